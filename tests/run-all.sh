#!/usr/bin/env bash
# The one test command: installs dependencies, builds, runs every suite in tests/suites/
# (each prints TAP on stdout) and ends with one line "N passed, N failed, N skipped".
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
OUT_DIR=${OUT_DIR:-$SRC_DIR/tests-out}
export SRC_DIR BUILD_DIR OUT_DIR
cd "$SRC_DIR"

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  "$SRC_DIR/scripts/install-deps.sh" || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }
fi
if [ ! -d "$BUILD_DIR" ]; then
  meson setup "$BUILD_DIR" >/dev/null || { echo "meson setup failed"; echo "0 passed, 1 failed"; exit 1; }
fi
mkdir -p "$OUT_DIR"
if ! ninja -C "$BUILD_DIR" >"$OUT_DIR/build.log" 2>&1; then
  tail -50 "$OUT_DIR/build.log"; echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

mkdir -p "$OUT_DIR"
total_pass=0 total_fail=0 total_skip=0
only=${SUITES:-}
for suite in "$SRC_DIR"/tests/suites/*.sh; do
  name=$(basename "$suite" .sh)
  if [ -n "$only" ] && ! [[ " $only " == *" $name "* ]]; then continue; fi
  echo "== suite $name"
  start=$(date +%s)
  bash "$suite" >"$OUT_DIR/$name.tap" 2>"$OUT_DIR/$name.log"
  rc=$?
  pass=$(grep -Ec '^ok [0-9]+' "$OUT_DIR/$name.tap" | head -1)
  skip=$(grep -Eic '^ok [0-9]+.*# skip' "$OUT_DIR/$name.tap" | head -1)
  fail=$(grep -Ec '^not ok [0-9]+' "$OUT_DIR/$name.tap" | head -1)
  pass=$((pass - skip))
  if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
    echo "not ok - suite $name exited $rc without reporting a failing test (see $OUT_DIR/$name.log)" >>"$OUT_DIR/$name.tap"
    fail=1
  fi
  grep -E '^not ok|^ok [0-9]+.*# [Ss][Kk][Ii][Pp]' "$OUT_DIR/$name.tap" | sed 's/^/   /'
  [ "$fail" -gt 0 ] && tail -20 "$OUT_DIR/$name.log" | sed 's/^/   log: /'
  echo "   $name: $pass passed, $fail failed, $skip skipped ($(( $(date +%s) - start ))s)"
  total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail)); total_skip=$((total_skip + skip))
done
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
