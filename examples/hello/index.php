<?php
// The demo served by `make run`: a page that shows what the embedded PHP sees.
$rows = [
    'PHP version' => PHP_VERSION . (PHP_ZTS ? ' (ZTS)' : ''),
    'SAPI' => php_sapi_name(),
    'Server software' => $_SERVER['SERVER_SOFTWARE'] ?? '',
    'Request' => ($_SERVER['REQUEST_METHOD'] ?? '') . ' ' . ($_SERVER['REQUEST_URI'] ?? ''),
    'Remote address' => ($_SERVER['REMOTE_ADDR'] ?? '') . ':' . ($_SERVER['REMOTE_PORT'] ?? ''),
    'OPcache' => function_exists('opcache_get_status') && (opcache_get_status(false)['opcache_enabled'] ?? false) ? 'on' : 'off',
];
if (($_GET['format'] ?? '') === 'json') {
    header('Content-Type: application/json');
    echo json_encode($rows, JSON_PRETTY_PRINT), "\n";
    return;
}
?><!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pogo</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto}td{padding:.2em 1em}</style>
</head>
<body>
<h1>Hello from Pogo</h1>
<table>
<?php foreach ($rows as $k => $v): ?>
<tr><th align="left"><?= htmlspecialchars($k) ?></th><td><?= htmlspecialchars((string)$v) ?></td></tr>
<?php endforeach ?>
</table>
<p><a href="?format=json">as JSON</a></p>
</body>
</html>
