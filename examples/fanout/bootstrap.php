<?php
// The application's bootstrap, without composer: a PSR-4 autoloader for App\ (src/) and Pogo\
// (the pogo/pogo package in this repository's php/src/). Both the pages and the pool workers load
// it (the worker through POGO_BOOTSTRAP, see public/pogo-worker.php).
declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    static $prefixes = [
        'App\\' => __DIR__ . '/src/',
        'Pogo\\' => __DIR__ . '/../../php/src/',
    ];
    foreach ($prefixes as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
