<?php

declare(strict_types=1);

namespace Pogo;

// The Pogo engine (the `pogo` binary) defines this class natively; this definition only exists so
// the package works for static analysis, IDEs and plain PHP (composer's autoloader is never asked for
// a class the engine already has, and the guard below covers an explicit require).
if (!\class_exists(HandleException::class, false)) {
    /**
     * `unknown or already awaited Pogo handle 42` (also a handle dispatched by another request).
     */
    class HandleException extends \RuntimeException
    {
    }
}
