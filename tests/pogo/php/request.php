<?php
// A classic request for php_workers_test.cpp: ?job=Class&args={json}&pool=name dispatches one job,
// awaits it and prints the JSON of the result, or "ExceptionClass: message".
try {
    $args = json_decode($_GET['args'] ?? '[]', true);
    $h = pogo_dispatch('PogoTest\\' . $_GET['job'], $args, $_GET['pool'] ?? 'default');
    echo json_encode(pogo_await($h, 10.0));
} catch (Throwable $e) {
    echo get_class($e), ': ', $e->getMessage();
}
