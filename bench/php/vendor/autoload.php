<?php
// What composer would generate for the bench app: Bench\ jobs (jobs.php) and the pogo/pogo package
// (POGO_PHP_SRC, set by bench/run to the repository's php/src).
declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Pogo\\')) {
        $file = getenv('POGO_PHP_SRC') . '/' . substr($class, 5) . '.php';
        if (is_file($file)) {
            require $file;
        }
    } elseif (str_starts_with($class, 'Bench\\')) {
        require_once __DIR__ . '/jobs.php';
    }
});
