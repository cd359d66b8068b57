<?php

/*
 * Pogo's default pool worker. Copy it into your application (for example to
 * public/pogo-worker.php) and name it in the Caddyfile:
 *
 *     pogo {
 *         pool default {
 *             worker public/pogo-worker.php
 *         }
 *     }
 *
 * Each pool thread runs this script once and then loops on frankenphp_handle_request(): every call
 * hands the callback one job payload, ['class' => App\Pogo\FetchPrice::class, 'args' => [...]],
 * and the callback returns the envelope ['ok' => true, 'result' => ...] or
 * ['ok' => false, 'error' => 'message'].
 *
 * The application's autoloader is found from where this file is copied to: the first
 * vendor/autoload.php in this directory or a parent, unless the POGO_BOOTSTRAP environment variable
 * names a bootstrap file to require instead (relative paths: from this file's directory).
 */

declare(strict_types=1);

namespace Pogo\Worker;

use Pogo\JobInterface;

(static function (): void {
    $bootstrap = \getenv('POGO_BOOTSTRAP');
    if (\is_string($bootstrap) && $bootstrap !== '') {
        if ($bootstrap[0] !== '/' && !\preg_match('~^[A-Za-z]:[\\\\/]~', $bootstrap)) {
            $bootstrap = __DIR__ . '/' . $bootstrap;
        }
        require_once $bootstrap;
    } else {
        for ($dir = __DIR__; ; $dir = $parent) {
            if (\is_file($dir . '/vendor/autoload.php')) {
                require_once $dir . '/vendor/autoload.php';
                break;
            }
            $parent = \dirname($dir);
            if ($parent === $dir) {
                break;
            }
        }
    }
    // Run from inside the package itself (no composer install): load the contract directly.
    if (!\interface_exists(JobInterface::class) && \is_file(__DIR__ . '/../src/JobInterface.php')) {
        require_once __DIR__ . '/../src/JobInterface.php';
    }
})();

/**
 * Runs one job payload and returns the job's result; throws on a bad payload or a failing job.
 */
function run(mixed $payload): mixed
{
    if (!\is_array($payload) || !\array_key_exists('class', $payload) || !\array_key_exists('args', $payload)) {
        throw new \InvalidArgumentException('Invalid Pogo payload.');
    }
    // Classes that passed the checks below before: a class, once loaded, stays what it is.
    static $checked = [];
    $class = $payload['class'];
    $known = \is_string($class) && isset($checked[$class]);
    if (!$known && (!\is_string($class) || $class === '' || !\class_exists($class)
        || !(new \ReflectionClass($class))->isInstantiable())) {
        throw new \InvalidArgumentException('Invalid or unknown Pogo job class.');
    }
    $args = $payload['args'];
    if (!\is_array($args)) {
        throw new \InvalidArgumentException('Pogo job args must be an array.');
    }
    if (!$known) {
        if (!\is_subclass_of($class, JobInterface::class)) {
            throw new \InvalidArgumentException('Pogo job must implement Pogo\JobInterface.');
        }
        $checked[$class] = true;
    }
    /** @var JobInterface $job */
    $job = new $class();

    return $job->handle($args);
}

/**
 * The callback given to frankenphp_handle_request(): payload in, envelope out. Nothing escapes.
 *
 * @return array{ok: bool, result?: mixed, error?: string}
 */
function handle(mixed $payload): array
{
    try {
        return ['ok' => true, 'result' => run($payload)];
    } catch (\Throwable $e) {
        return ['ok' => false, 'error' => $e->getMessage()];
    }
}

while (\frankenphp_handle_request(handle(...))) {
    // Jobs are independent: drop cycles one job left behind before the next one.
    \gc_collect_cycles();
}
