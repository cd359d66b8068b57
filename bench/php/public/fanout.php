<?php
// ?n=N&t=T: N jobs of T ms on pool "fanout", awaited together; answers "ok N" when all came back.
$n = (int) ($_GET['n'] ?? 8);
$t = (int) ($_GET['t'] ?? 50);
$handles = [];
for ($i = 0; $i < $n; $i++) {
    $handles[] = pogo_dispatch(Bench\Sleep::class, ['ms' => $t, 'i' => $i], 'fanout');
}
$results = pogo_await_all($handles, 30.0);
echo $results === range(0, $n - 1) ? "ok $n" : 'wrong results';
