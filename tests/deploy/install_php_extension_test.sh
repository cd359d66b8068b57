#!/usr/bin/env bash
# scripts/install-php-extension outside any container, against this build's PHP (its php-config):
# the fixture extension (tests/fixtures/php_ext/pogo_hello) is built from its directory with phpize,
# staged in a temporary directory (the shared PHP prefix is left alone), and loaded by that PHP's
# own CLI, directly and through the NAME.ini the script wrote; bad input is refused clearly.
#   install_php_extension_test.sh PHP_CONFIG SOURCE_DIR
set -euo pipefail
PHP_CONFIG=$1
SRC=$2
SCRIPT=$SRC/scripts/install-php-extension
PHP=$("$PHP_CONFIG" --prefix)/bin/php
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failures=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected [$2], got [$3]"; failures=$((failures + 1)); fi
}

# From a directory: the .so under the staging root, NAME.ini naming it, PHP loading it.
"$SCRIPT" --php-config "$PHP_CONFIG" --destdir "$TMP/stage" --ini-dir "$TMP/conf.d" "$SRC/tests/fixtures/php_ext/pogo_hello"
so="$TMP/stage$("$PHP_CONFIG" --extension-dir)/pogo_hello.so"
check "the extension is installed under the staging root" yes "$([ -f "$so" ] && echo yes || echo no)"
check "pogo_hello.ini names it" "extension=$so" "$(grep -v '^;' "$TMP/conf.d/pogo_hello.ini")"
check "this build's PHP loads the .so" "hello pogo from an extension" \
  "$(PHP_INI_SCAN_DIR="$TMP/conf.d" "$PHP" -n -d "extension=$so" -r 'echo pogo_hello("pogo");' 2>&1 || true)"
check "... and through the ini alone" "hello ini from an extension" \
  "$(PHP_INI_SCAN_DIR="$TMP/conf.d" "$PHP" -r 'echo pogo_hello("ini");' 2>&1 || true)"

# Bad input: a clear message and exit 1, nothing built.
out=$("$SCRIPT" --php-config "$PHP_CONFIG" "$TMP/nothing-here" 2>&1) && rc=0 || rc=$?
check "a missing source is refused" "1: install-php-extension: $TMP/nothing-here: no such file or directory, and not debian:PACKAGE or pecl:NAME" "$rc: $out"
mkdir -p "$TMP/not-an-extension"
out=$("$SCRIPT" --php-config "$PHP_CONFIG" "$TMP/not-an-extension" 2>&1) && rc=0 || rc=$?
check "a tree without config.m4 is refused" "1: install-php-extension: $TMP/not-an-extension holds no config.m4: not a PHP extension's source" "$rc: $out"
out=$("$SCRIPT" --bogus 2>&1) && rc=0 || rc=$?
check "an unknown option is refused" "1: install-php-extension: unknown option --bogus (see --help)" "$rc: $out"

[ $failures = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "install-php-extension: every check passed"
