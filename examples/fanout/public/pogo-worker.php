<?php
// The pool worker of this demo: Pogo's default worker (php/worker/pogo-worker.php), unchanged,
// told where this application's bootstrap is. A copied worker would find vendor/autoload.php by
// itself; this demo has no composer install, so it names its bootstrap in POGO_BOOTSTRAP. putenv()
// before the first job lasts for the life of this worker thread.
putenv('POGO_BOOTSTRAP=' . dirname(__DIR__) . '/bootstrap.php');
require dirname(__DIR__, 3) . '/php/worker/pogo-worker.php';
