<?php
// Fan-out / fan-in in one request: three "API calls" on the external_api pool and two hash jobs on
// the cpu pool run at the same time; the page shows what running them one after the other would
// have cost (the sum of the durations each job measured itself) next to the wall time it took.
// ?format=json returns the same figures as JSON.
declare(strict_types=1);

use App\Jobs\FetchFromApi;
use App\Jobs\HashWork;

$jobs = [
    'users API' => [FetchFromApi::class, ['api' => 'users', 'latency_ms' => 150], 'external_api'],
    'orders API' => [FetchFromApi::class, ['api' => 'orders', 'latency_ms' => 220], 'external_api'],
    'stock API' => [FetchFromApi::class, ['api' => 'stock', 'latency_ms' => 300], 'external_api'],
    'hash A' => [HashWork::class, ['seed' => 'alpha', 'rounds' => 100000], 'cpu'],
    'hash B' => [HashWork::class, ['seed' => 'beta', 'rounds' => 100000], 'cpu'],
];

$started = hrtime(true);
$handles = [];
foreach ($jobs as $name => [$class, $args, $pool]) {
    $handles[$name] = pogo_dispatch($class, $args, $pool);
}
$error = null;
try {
    $results = pogo_await_all($handles, 5.0);
} catch (\RuntimeException $e) {
    $results = [];
    $error = get_class($e) . ': ' . $e->getMessage();
}
$wallMs = (hrtime(true) - $started) / 1e6;

$rows = [];
$sequentialMs = 0.0;
foreach ($results as $name => $result) {
    $sequentialMs += $result['duration_ms'];
    $rows[] = [
        'job' => $name,
        'pool' => $jobs[$name][2],
        'class' => $jobs[$name][0],
        'duration_ms' => round($result['duration_ms'], 1),
        'result' => array_diff_key($result, ['duration_ms' => true]),
    ];
}
$report = [
    'jobs' => $rows,
    'sequential_ms' => round($sequentialMs, 1),
    'parallel_wall_ms' => round($wallMs, 1),
    'speedup' => $wallMs > 0 ? round($sequentialMs / $wallMs, 2) : null,
    'pool_sizes' => array_map('pogo_pool_size', ['default' => 'default', 'external_api' => 'external_api', 'cpu' => 'cpu']),
    'error' => $error,
];

if (($_GET['format'] ?? '') === 'json') {
    header('Content-Type: application/json');
    echo json_encode($report, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
    return;
}

$h = static fn (mixed $v): string => htmlspecialchars((string) $v, ENT_QUOTES);
$scale = max($sequentialMs, $wallMs, 1.0);
$bar = static fn (float $ms, string $color): string => sprintf(
    '<div class="bar" style="width:%.1f%%;background:%s"></div>', 100 * $ms / $scale, $color);
?>
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pogo fan-out demo</title>
<style>
 body { font: 15px/1.45 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
 table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
 th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #ddd; vertical-align: middle; }
 td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
 .bar { height: .8rem; border-radius: 2px; }
 .cards { display: flex; gap: 1rem; }
 .card { flex: 1; border: 1px solid #ddd; border-radius: 6px; padding: .8rem 1rem; }
 .card b { font-size: 1.8rem; display: block; }
 .error { color: #b00; }
 code { background: #f4f4f4; padding: 0 .25rem; }
</style>
</head>
<body>
<h1>Pogo fan-out</h1>
<p>This request dispatched <?= count($jobs) ?> jobs with <code>pogo_dispatch()</code> to the
<code>external_api</code> and <code>cpu</code> pools, then collected them with
<code>pogo_await_all()</code>. Each job measured its own duration.</p>
<?php if ($error !== null): ?>
<p class="error"><?= $h($error) ?></p>
<?php endif ?>
<div class="cards">
 <div class="card">Sequential (sum of job durations)<b><?= $h(number_format($sequentialMs, 1)) ?> ms</b><?= $bar($sequentialMs, '#c66') ?></div>
 <div class="card">Parallel wall time (dispatch to last result)<b><?= $h(number_format($wallMs, 1)) ?> ms</b><?= $bar($wallMs, '#4a4') ?></div>
 <div class="card">Speed-up<b><?= $h($report['speedup'] ?? '-') ?>x</b></div>
</div>
<table>
<tr><th>job</th><th>pool</th><th>result</th><th class="num">duration</th><th style="width:30%"></th></tr>
<?php foreach ($rows as $row): ?>
<tr>
 <td><?= $h($row['job']) ?></td>
 <td><code><?= $h($row['pool']) ?></code></td>
 <td><code><?= $h(json_encode($row['result'], JSON_UNESCAPED_SLASHES)) ?></code></td>
 <td class="num"><?= $h(number_format($row['duration_ms'], 1)) ?> ms</td>
 <td><?= $bar($row['duration_ms'], $row['pool'] === 'cpu' ? '#c93' : '#48c') ?></td>
</tr>
<?php endforeach ?>
</table>
<p>Pool sizes (<code>pogo_pool_size()</code>):
<?php foreach ($report['pool_sizes'] as $pool => $size): ?>
 <code><?= $h($pool) ?></code> <?= $h($size) ?>
<?php endforeach ?>
&middot; <a href="?format=json">JSON</a> &middot; reload to run again.</p>
</body>
</html>
