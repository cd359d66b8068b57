<?php

// IDE stubs for the functions the Pogo engine defines natively. Never include this file at
// runtime: the functions exist only inside the `pogo` binary.

/**
 * Dispatches a job to a pool and returns at once with its handle (positive, unique in the process).
 * Never blocks on a busy pool; the job's max_wait clock starts now.
 *
 * @param class-string<\Pogo\JobInterface> $class
 * @param array<array-key, mixed> $args JSON-compatible
 * @throws \Pogo\PoolException not configured, unknown pool, pool shutting down
 * @throws \Pogo\ArgumentException empty class, args not JSON-compatible
 */
function pogo_dispatch(string $class, array $args = [], string $pool = 'default'): int {}

/**
 * Waits for a job and returns its result as json_decode($json, true) would. A handle can be awaited
 * once; awaiting removes it, whatever the outcome. A timeout of 0 returns a result already there,
 * otherwise times out.
 *
 * @throws \Pogo\ArgumentException negative timeout (the handle stays awaitable)
 * @throws \Pogo\HandleException unknown, already awaited, or another request's handle
 * @throws \Pogo\TimeoutException await timeout, or the job waited longer than max_wait for a worker
 * @throws \Pogo\JobException the job failed
 * @throws \Pogo\PoolException the pool shut down before running the job
 */
function pogo_await(int $handle, float $timeout = 5.0): mixed {}

/**
 * Awaits several handles with one deadline for all and returns their results with the keys of
 * $handles preserved. Every handle is checked first (a bad list leaves them all awaitable); the
 * first failure, in the order of $handles, is thrown and cancels the others.
 *
 * @param array<array-key, int> $handles
 * @return array<array-key, mixed>
 */
function pogo_await_all(array $handles, float $timeout = 5.0): array {}

/**
 * The pool's live worker thread count.
 *
 * @throws \Pogo\PoolException not configured, unknown pool
 */
function pogo_pool_size(string $pool = 'default'): int {}
