<?php
// Job classes for worker_test.php (named by POGO_BOOTSTRAP, or loaded as vendor/autoload.php).

declare(strict_types=1);

namespace PogoTest;

require_once __DIR__ . '/../../../php/src/JobInterface.php';

use Pogo\JobInterface;

final class EchoJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        return ['echo' => $args];
    }
}

final class ThrowingJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        throw new \DomainException('price service down: ' . ($args['sku'] ?? '?'));
    }
}

abstract class AbstractJob implements JobInterface
{
}

final class NotAJob
{
    public function handle(array $args): mixed
    {
        return 1;
    }
}

final class NeedsArgs implements JobInterface
{
    public function __construct(private int $x)
    {
    }

    public function handle(array $args): mixed
    {
        return $this->x;
    }
}

final class CountingJob implements JobInterface
{
    private static int $count = 0;

    public function handle(array $args): mixed
    {
        return ++self::$count;  // statics persist between jobs: the worker stays alive
    }
}

final class SleepJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        usleep((int) (($args['ms'] ?? 100) * 1000));
        return 'slept';
    }
}

// Jobs may dispatch jobs.
final class NestedJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        $h = pogo_dispatch(EchoJob::class, ['inner' => $args['value']], $args['pool'] ?? 'default');
        return ['outer' => pogo_await($h, 5.0)];
    }
}

// Leaves a job unawaited: the end of this job cancels it.
final class LeakyJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        return pogo_dispatch(SleepJob::class, ['ms' => 1], $args['pool']);
    }
}

final class NoopJob implements JobInterface
{
    public function handle(array $args): mixed
    {
        return null;
    }
}
