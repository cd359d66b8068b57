<?php
// Runs php/worker/pogo-worker.php under the PHP CLI with a stand-in frankenphp_handle_request() that
// feeds job payloads and records the envelopes the worker returns. Exit status 0 = all passed.
//
//   php tests/pogo/php/worker_test.php            (the test; spawns the child modes below)
//   php worker_test.php --child bootstrap|autoload WORKER   (one worker run, prints envelopes as JSON)

declare(strict_types=1);

$worker = __DIR__ . '/../../../php/worker/pogo-worker.php';

$payloads = [
    ['class' => 'PogoTest\EchoJob', 'args' => ['sku' => 'A-100', 'n' => [1, 2.5, null]]],
    'not an array',
    ['class' => 'PogoTest\EchoJob'],
    ['args' => []],
    ['class' => 'PogoTest\Missing', 'args' => []],
    ['class' => '', 'args' => []],
    ['class' => 42, 'args' => []],
    ['class' => 'PogoTest\AbstractJob', 'args' => []],
    ['class' => 'PogoTest\EchoJob', 'args' => 'sku=A'],
    ['class' => 'PogoTest\NotAJob', 'args' => []],
    ['class' => 'PogoTest\ThrowingJob', 'args' => ['sku' => 'B-7']],
    ['class' => 'PogoTest\NeedsArgs', 'args' => []],
    ['class' => 'PogoTest\CountingJob', 'args' => []],
    ['class' => 'PogoTest\CountingJob', 'args' => []],
];

if (($argv[1] ?? '') === '--child') {
    $GLOBALS['pogo_payloads'] = $payloads;
    $GLOBALS['pogo_envelopes'] = [];
    function frankenphp_handle_request(callable $callback): bool
    {
        if (!$GLOBALS['pogo_payloads']) {
            return false;
        }
        $GLOBALS['pogo_envelopes'][] = $callback(array_shift($GLOBALS['pogo_payloads']));
        return true;
    }
    require $argv[3];
    echo json_encode($GLOBALS['pogo_envelopes']), "\n";
    exit(0);
}

$expected = [
    ['ok' => true, 'result' => ['echo' => ['sku' => 'A-100', 'n' => [1, 2.5, null]]]],
    ['ok' => false, 'error' => 'Invalid Pogo payload.'],
    ['ok' => false, 'error' => 'Invalid Pogo payload.'],
    ['ok' => false, 'error' => 'Invalid Pogo payload.'],
    ['ok' => false, 'error' => 'Invalid or unknown Pogo job class.'],
    ['ok' => false, 'error' => 'Invalid or unknown Pogo job class.'],
    ['ok' => false, 'error' => 'Invalid or unknown Pogo job class.'],
    ['ok' => false, 'error' => 'Invalid or unknown Pogo job class.'],
    ['ok' => false, 'error' => 'Pogo job args must be an array.'],
    ['ok' => false, 'error' => 'Pogo job must implement Pogo\JobInterface.'],
    ['ok' => false, 'error' => 'price service down: B-7'],
    ['ok' => false, 'error' => 'Too few arguments to function PogoTest\NeedsArgs::__construct(), 0 passed in '
        . realpath($worker) . ' on line %LINE% and exactly 1 expected'],
    ['ok' => true, 'result' => 1],
    ['ok' => true, 'result' => 2],
];

function run_child(string $mode, string $worker, array $env): array
{
    $cmd = [PHP_BINARY, '-n', '-d', 'display_errors=stderr', __FILE__, '--child', $mode, $worker];
    $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env + getenv());
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    $status = proc_close($proc);
    if ($status !== 0 || $err !== '') {
        fwrite(STDERR, "$mode: worker exited with $status\n$err\n$out\n");
        exit(1);
    }
    return json_decode($out, true, 512, JSON_THROW_ON_ERROR);
}

function compare(string $mode, array $got, array $expected): int
{
    $failures = 0;
    foreach ($expected as $i => $want) {
        $have = $got[$i] ?? null;
        if (is_array($have) && isset($want['error']) && str_contains($want['error'], '%LINE%')) {
            $want['error'] = preg_replace('/%LINE%/', '\d+', preg_quote($want['error'], '/'));
            if (is_string($have['error'] ?? null) && preg_match('/^' . $want['error'] . '$/', $have['error'])) {
                continue;
            }
        } elseif ($have === $want) {
            continue;
        }
        $failures++;
        fwrite(STDERR, "$mode #$i: expected " . json_encode($want) . "\n       got " . json_encode($have) . "\n");
    }
    if (count($got) !== count($expected)) {
        $failures++;
        fwrite(STDERR, "$mode: " . count($got) . " envelopes, expected " . count($expected) . "\n");
    }
    return $failures;
}

$failures = 0;

// 1. POGO_BOOTSTRAP names the bootstrap file.
$failures += compare('bootstrap', run_child('bootstrap', $worker, ['POGO_BOOTSTRAP' => __DIR__ . '/jobs.php']), $expected);

// 2. Copied into an app: vendor/autoload.php found up the tree from the worker's directory.
$app = sys_get_temp_dir() . '/pogo-worker-test-' . getmypid();
@mkdir("$app/vendor", 0777, true);
@mkdir("$app/public", 0777, true);
copy(__DIR__ . '/jobs.php', "$app/vendor/jobs.php");
file_put_contents("$app/vendor/autoload.php", "<?php\nrequire_once __DIR__ . '/jobs.php';\n");
// jobs.php requires the package's JobInterface by a path relative to tests/pogo/php: give it one.
file_put_contents("$app/vendor/jobs.php", str_replace(
    "__DIR__ . '/../../../php/src/JobInterface.php'",
    var_export(realpath(__DIR__ . '/../../../php/src/JobInterface.php'), true),
    file_get_contents("$app/vendor/jobs.php")
));
copy($worker, "$app/public/pogo-worker.php");
$expectedCopy = $expected;
$expectedCopy[11]['error'] = str_replace(realpath($worker), "$app/public/pogo-worker.php", $expected[11]['error']);
$failures += compare('autoload', run_child('autoload', "$app/public/pogo-worker.php", ['POGO_BOOTSTRAP' => '']), $expectedCopy);
array_map('unlink', ["$app/vendor/jobs.php", "$app/vendor/autoload.php", "$app/public/pogo-worker.php"]);
rmdir("$app/vendor");
rmdir("$app/public");
rmdir($app);

// 3. The exception stubs defer to classes that already exist, and define them otherwise.
foreach (['PoolException', 'ArgumentException', 'TimeoutException', 'HandleException', 'JobException'] as $name) {
    require __DIR__ . "/../../../php/src/$name.php";
    $class = "Pogo\\$name";
    if (!class_exists($class, false) || get_parent_class($class) !== 'RuntimeException') {
        $failures++;
        fwrite(STDERR, "stub $class missing or not a RuntimeException\n");
    }
    require __DIR__ . "/../../../php/src/$name.php";  // twice: the guard makes it a no-op
}

echo $failures === 0 ? "worker_test: all passed\n" : "worker_test: $failures failure(s)\n";
exit($failures === 0 ? 0 : 1);
