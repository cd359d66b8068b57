<?php
// A classic request for php_workers_test.cpp: ?job=Class&args={json}&pool=name dispatches one job,
// awaits it and prints the JSON of the result, or "ExceptionClass: message".
try {
    $args = json_decode($_GET['args'] ?? '[]', true);
    $class = isset($_GET['raw']) ? $_GET['job'] : 'PogoTest\\' . $_GET['job'];
    $h = pogo_dispatch($class, $args, $_GET['pool'] ?? 'default');
    echo json_encode(pogo_await($h, 10.0));
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage();
}
