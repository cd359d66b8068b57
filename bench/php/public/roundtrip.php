<?php
// ?n=N: N no-op jobs, each dispatched and awaited before the next; every round trip timed here with
// hrtime. Prints JSON: median, p99, mean and min in microseconds.
$n = max(1, (int) ($_GET['n'] ?? 10000));
for ($i = 0; $i < 200; $i++) {  // warm up: every worker thread has run the job class once
    pogo_await(pogo_dispatch(Bench\Noop::class));
}
$us = [];
for ($i = 0; $i < $n; $i++) {
    $t = hrtime(true);
    pogo_await(pogo_dispatch(Bench\Noop::class));
    $us[] = (hrtime(true) - $t) / 1000;
}
sort($us);
header('Content-Type: application/json');
echo json_encode([
    'n' => $n,
    'median_us' => $us[intdiv($n, 2)],
    'p99_us' => $us[min($n - 1, intdiv($n * 99, 100))],
    'mean_us' => array_sum($us) / $n,
    'min_us' => $us[0],
]);
