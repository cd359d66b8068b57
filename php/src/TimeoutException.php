<?php

declare(strict_types=1);

namespace Pogo;

// The Pogo engine (the `pogo` binary) defines this class natively; this definition only exists so
// the package works for static analysis, IDEs and plain PHP (composer's autoloader is never asked for
// a class the engine already has, and the guard below covers an explicit require).
if (!\class_exists(TimeoutException::class, false)) {
    /**
     * `Pogo await timed out after 2s`; `Pogo job waited longer than max_wait (30s) for a free worker in pool "NAME"`.
     */
    class TimeoutException extends \RuntimeException
    {
    }
}
