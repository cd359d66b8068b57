<?php
declare(strict_types=1);

namespace App\Jobs;

use Pogo\JobInterface;

/**
 * CPU-bound work: `rounds` chained SHA-256 hashes of a seed. Reports the final digest and its own
 * duration, measured inside the job.
 */
final class HashWork implements JobInterface
{
    public function handle(array $args): mixed
    {
        $started = hrtime(true);
        $rounds = max(1, (int) ($args['rounds'] ?? 200000));
        $digest = (string) ($args['seed'] ?? 'pogo');
        for ($i = 0; $i < $rounds; $i++) {
            $digest = hash('sha256', $digest, true);
        }

        return [
            'seed' => (string) ($args['seed'] ?? 'pogo'),
            'rounds' => $rounds,
            'digest' => bin2hex(substr($digest, 0, 8)),
            'duration_ms' => (hrtime(true) - $started) / 1e6,
        ];
    }
}
