#!/usr/bin/env bash
# The same unit tests built with AddressSanitizer + UndefinedBehaviorSanitizer.
set -uo pipefail
ASAN_BUILD=${ASAN_BUILD_DIR:-$SRC_DIR/build-asan}
if [ ! -d "$ASAN_BUILD" ]; then
  meson setup "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false >&2 || exit 1
fi
ninja -C "$ASAN_BUILD" >&2 || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
UNIT_BUILD_DIR=$ASAN_BUILD UNIT_PREFIX=asan: bash "$SRC_DIR/tests/suites/10-unit.sh"
