<?php
// A worker returning every kind of envelope, chosen by the job's class name (functions_test.cpp).
while (frankenphp_handle_request(static function (array $payload) {
    $args = $payload['args'];
    switch ($payload['class']) {
        case 'Json': return json_encode(['ok' => true, 'result' => ['from' => 'json', 'args' => $args]]);
        case 'JsonError': return '{"ok":false,"error":"json said no"}';
        case 'BadJson': return '{nope';
        case 'NotArray': return 42;
        case 'NoOk': return ['result' => 1];
        case 'OkString': return ['ok' => 'yes', 'result' => 1];
        case 'NoError': return ['ok' => false];
        case 'EmptyError': return ['ok' => false, 'error' => ''];
        case 'NullResult': return ['ok' => true];
        case 'InfResult': return ['ok' => true, 'result' => ['x' => [INF]]];
        case 'Object': return ['ok' => true, 'result' => (object) ['a' => (object) ['b' => 1]]];
        case 'Throw': throw new RuntimeException('thrown from the callback');
        case 'Exit': exit(0);
        case 'UndefinedFunction': undefined_function_xyz();
        case 'Fatal': ini_set('memory_limit', '16M'); return str_repeat('x', 64 << 20);
        default: return ['ok' => true, 'result' => $payload];
    }
})) {
}
