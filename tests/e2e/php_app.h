// A tiny PHP application for the deployment-shaped tests (templates_test.cpp, site_workers_test.cpp):
// one script that answers JSON about how it ran (which file, SCRIPT_NAME, worker or classic mode,
// how many requests this worker thread served, a few environment variables), written under any
// name, so that a test can tell the front controller, a worker and another script apart.
#pragma once

#include <filesystem>
#include <string>

#include "tests/e2e/harness.h"

namespace e2e {

// Classic mode: answers once with n = 0. Started as a worker (FRANKENPHP_WORKER set): loops on
// frankenphp_handle_request, counting its requests from 1.
inline const char* const kReportScript = R"PHP(<?php
function pogo_report(int $n): void {
    header('Content-Type: application/json');
    echo json_encode([
        'file' => basename(__FILE__),
        'script' => $_SERVER['SCRIPT_NAME'] ?? null,
        'filename' => $_SERVER['SCRIPT_FILENAME'] ?? null,
        'path_info' => $_SERVER['PATH_INFO'] ?? null,
        'uri' => $_SERVER['REQUEST_URI'] ?? null,
        'worker' => $_SERVER['FRANKENPHP_WORKER'] ?? null,
        'n' => $n,
        'worker_name' => $_SERVER['WORKER_NAME'] ?? null,
        'app_env' => $_SERVER['APP_ENV'] ?? null,
        'runtime' => $_SERVER['APP_RUNTIME'] ?? null,
        'get' => $_GET,
        'pad' => str_repeat('pogo ', (int)($_GET['pad'] ?? 0)),
    ]);
}
if (($_SERVER['FRANKENPHP_WORKER'] ?? '') === '1' && function_exists('frankenphp_handle_request')) {
    $n = 0;
    while (frankenphp_handle_request(function () use (&$n) { pogo_report(++$n); })) {
    }
    return;
}
pogo_report(0);
)PHP";

// Writes kReportScript at each of `dir`/`names`.
inline void write_report_scripts(const std::filesystem::path& dir, std::initializer_list<const char*> names) {
    for (const char* n : names) write_file(dir / n, kReportScript);
}

}  // namespace e2e
