// PHP values <-> Values (value.h), on the PHP thread that owns the zval.
//
// zval -> Value is strict, like json_encode with JSON_THROW_ON_ERROR and nothing partial, except
// that strings are binary-safe (not required to be UTF-8). Accepted: null, bool, int, float
// (finite), string, arrays (a list when keys are 0..n-1 in order, else a map keeping int and string
// keys), backed enums (their value), JsonSerializable (its jsonSerialize() result, converted the
// same way; returning $this means its public properties), stdClass and objects of plain PHP
// classes (their public, initialized properties, as json_encode does). Rejected, with the path of
// the offending value: INF, -INF, NAN, resources, closures, recursion, non-backed enums, other
// objects (internal classes with their own state: DateTime, Generator, PDO, ... and classes
// extending them), nesting deeper than 512.
//
// Path syntax: the root's name (`args`, `result`), then `.key` for a string key or a property and
// `[n]` for an integer key or list index: `args.items[3]`, `args.user.tags[0]`. Keys are printed
// raw (no quoting).
// Messages: `PATH: INF is not JSON-compatible` (also -INF, NAN), `PATH: resource is not
// JSON-compatible`, `PATH: closure is not JSON-compatible`, `PATH: recursion is not
// JSON-compatible`, `PATH: non-backed enum Suit::Hearts is not JSON-compatible`,
// `PATH: object of class DateTime is not JSON-compatible`,
// `PATH: nesting deeper than 512 levels is not JSON-compatible`.
// An exception thrown by jsonSerialize() is left pending as it is (json_encode does the same).
//
// Value -> zval gives what json_decode($json, true) gives for the JSON of the value: maps and
// lists become arrays (numeric string keys become int keys), ints stay ints (the full int64
// range), floats stay floats with their exact value, strings are byte-for-byte.
//
// zend_bailout: both directions may run PHP code or allocate, so both can bail out (fatal error,
// exit() in jsonSerialize, memory limit). They catch it, report it (Convert::Bailout), and the
// caller must call zend_bailout() once its own C++ objects are gone.
//
// Threads: the PHP thread of the zval (request or worker thread).
#pragma once

#include <string>

#include "pogo/value.h"

struct _zval_struct;

namespace pogo::jobs {

enum class Convert { Ok, Invalid, Exception, Bailout };

// Appends the value to `out`. Invalid: `error` holds the message (with the path from `root`).
// Exception: a PHP exception is pending. Bailout: see above.
Convert to_value(_zval_struct* value, const char* root, ValueWriter& out, std::string& error);
// Writes a new zval (the caller owns it). false: a bailout happened (out is undefined/null).
bool to_zval(ValueView value, _zval_struct* out);

}  // namespace pogo::jobs
