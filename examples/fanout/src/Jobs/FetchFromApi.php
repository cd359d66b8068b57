<?php
declare(strict_types=1);

namespace App\Jobs;

use Pogo\JobInterface;

/**
 * Stands in for a call to a remote API: waits `latency_ms` (the network), then returns a small
 * document. Reports its own duration, measured inside the job.
 */
final class FetchFromApi implements JobInterface
{
    public function handle(array $args): mixed
    {
        $started = hrtime(true);
        $latencyMs = (int) ($args['latency_ms'] ?? 200);
        usleep($latencyMs * 1000);

        return [
            'api' => (string) ($args['api'] ?? 'unknown'),
            'data' => ['id' => crc32((string) ($args['api'] ?? '')), 'status' => 'ok'],
            'duration_ms' => (hrtime(true) - $started) / 1e6,
        ];
    }
}
