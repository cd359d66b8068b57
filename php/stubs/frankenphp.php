<?php

// IDE stubs for the FrankenPHP-compatible functions the Pogo engine defines natively. Never
// include this file at runtime.

const FRANKENPHP_LOG_LEVEL_DEBUG = -4;
const FRANKENPHP_LOG_LEVEL_INFO = 0;
const FRANKENPHP_LOG_LEVEL_WARN = 4;
const FRANKENPHP_LOG_LEVEL_ERROR = 8;

/**
 * Worker mode: blocks until the next request (HTTP worker) or job payload (Pogo pool worker), runs
 * $handler with it, and returns false when the worker must stop. For a Pogo pool worker the handler
 * receives ['class' => ..., 'args' => [...]] and returns ['ok' => true, 'result' => ...] or
 * ['ok' => false, 'error' => '...'] (or a JSON string of it).
 */
function frankenphp_handle_request(callable $handler): bool {}

/** Completes the response; the script goes on running. */
function frankenphp_finish_request(): bool {}

/** Alias of frankenphp_finish_request(). */
function fastcgi_finish_request(): bool {}

/** Sends the current headers as an informational (1xx) response, e.g. 103 Early Hints. */
function headers_send(int $status = 200): int {}

/** @return array<string, string> */
function frankenphp_request_headers(): array {}

/** @return array<string, string> */
function apache_request_headers(): array {}

/** @return array<string, string> */
function getallheaders(): array {}

/** @return array<string, string>|false */
function frankenphp_response_headers(): array|false {}

/** @return array<string, string>|false */
function apache_response_headers(): array|false {}

/** @param array<string, mixed> $context */
function frankenphp_log(string $message, int $level = 0, array $context = []): void {}

/**
 * Publishes an update to the built-in Mercure hub (the `mercure` block of the running
 * configuration) and returns its id. Throws RuntimeException when no hub is configured or the
 * update is refused.
 *
 * @param string|list<string> $topics
 */
function mercure_publish(string|array $topics, string $data = '', bool $private = false, ?string $id = null, ?string $type = null, ?int $retry = null): string {}
