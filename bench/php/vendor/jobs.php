<?php
declare(strict_types=1);

namespace Bench;

use Pogo\JobInterface;

/** Does nothing: what is left of a round trip is Pogo's own cost. */
final class Noop implements JobInterface
{
    public function handle(array $args): mixed
    {
        return null;
    }
}

/** Waits `ms` milliseconds, like a remote call would. */
final class Sleep implements JobInterface
{
    public function handle(array $args): mixed
    {
        usleep((int) $args['ms'] * 1000);
        return $args['i'];
    }
}
