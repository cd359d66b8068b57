<?php

declare(strict_types=1);

namespace Pogo;

/**
 * A Pogo job: dispatched with pogo_dispatch(MyJob::class, $args, $pool), run on a pool worker
 * thread by the default worker (worker/pogo-worker.php), which instantiates the class without
 * constructor arguments and calls handle() with the args as json_decode($json, true) gives them.
 *
 * The return value travels back to pogo_await() through JSON rules: arrays, scalars, backed enums,
 * JsonSerializable and plain objects (public properties) — objects arrive as arrays. INF/NAN,
 * resources, closures and other objects fail the job. Anything thrown fails it too: pogo_await()
 * throws Pogo\JobException with the same message.
 */
interface JobInterface
{
    /**
     * @param array<array-key, mixed> $args
     */
    public function handle(array $args): mixed;
}
