<?php

declare(strict_types=1);

namespace Pogo;

// The Pogo engine (the `pogo` binary) defines this class natively; this definition only exists so
// the package works for static analysis, IDEs and plain PHP (composer's autoloader is never asked for
// a class the engine already has, and the guard below covers an explicit require).
if (!\class_exists(ArgumentException::class, false)) {
    /**
     * Empty job class name; args that are not JSON-compatible (the message names the path, e.g. `args.file: resource is not JSON-compatible`); a negative timeout.
     */
    class ArgumentException extends \RuntimeException
    {
    }
}
