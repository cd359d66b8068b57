<?php
// Jobs for php_workers_test.cpp (POGO_BOOTSTRAP): the shared ones, plus jobs that kill their worker.

declare(strict_types=1);

namespace PogoTest;

require_once __DIR__ . '/jobs.php';

use Pogo\JobInterface;

final class ExitJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        exit(0);
    }
}

final class FatalJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        trigger_error('fatal in a job', E_USER_ERROR);
        return 'unreachable';
    }
}

// Which boot of the worker script runs the job: a new value after each restart.
final class BootJob implements JobInterface
{
    public static ?string $boot = null;

    public function handle(array $args): mixed
    {
        return self::$boot ??= bin2hex(random_bytes(8));
    }
}

// The worker thread's timer slack (Linux: how late its timers may fire), as the kernel reports it.
final class TimerSlackJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        // /proc/thread-self links to PID/task/TID; the value is in /proc/TID (not in task/TID).
        $tid = basename((string) readlink('/proc/thread-self'));
        return (int) trim((string) file_get_contents("/proc/$tid/timerslack_ns"));
    }
}
