<?php
// ?n=N&t=T: the fan-out as PHP-FPM applications do it today — N HTTP sub-requests to fpm-job.php
// on this same nginx + php-fpm, run together with curl_multi; answers "ok N" when all came back.
if (!function_exists('curl_multi_init')) {
    http_response_code(500);
    exit('the curl extension is missing: apt-get install php8.2-curl (scripts/setup --bench)');
}
$n = (int) ($_GET['n'] ?? 8);
$t = (int) ($_GET['t'] ?? 50);
$base = 'http://127.0.0.1:' . $_SERVER['SERVER_PORT'] . '/fpm-job.php';
$multi = curl_multi_init();
$handles = [];
for ($i = 0; $i < $n; $i++) {
    $h = curl_init("$base?t=$t&i=$i");
    curl_setopt_array($h, [CURLOPT_RETURNTRANSFER => true, CURLOPT_TIMEOUT => 30]);
    curl_multi_add_handle($multi, $h);
    $handles[] = $h;
}
do {
    $status = curl_multi_exec($multi, $running);
    if ($running) {
        curl_multi_select($multi, 1.0);
    }
} while ($running && $status === CURLM_OK);
$results = [];
foreach ($handles as $h) {
    $results[] = (int) curl_multi_getcontent($h);
    curl_multi_remove_handle($multi, $h);
    curl_close($h);
}
curl_multi_close($multi);
echo $results === range(0, $n - 1) ? "ok $n" : 'wrong results';
