<?php
// Worker-mode hello world: boots once, then answers every request from the loop.
$handler = static function (): void {
    echo 'Hello, World!';
};
while (frankenphp_handle_request($handler)) {
}
