#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Self-test of the harness: boots one guest with scenarios that pass, fail, die silently,
# report nothing and hang, and checks that run.sh reports each of them as it must. A harness
# that cannot fail would make every VM result meaningless. TAP on stdout.
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
d=$SRC_DIR/tests/vm/selftest
tmp=$(mktemp)
"$SRC_DIR/tests/vm/run.sh" "$d/st-pass.sh" "$d/st-fail.sh" "$d/st-silent.sh" "$d/st-hang.sh" "$d/st-empty.sh" >"$tmp" &
rp=$!
trap 'kill $rp 2>/dev/null; rm -f "$tmp"' EXIT
trap 'exit 143' INT TERM
wait $rp
rc=$?
out=$(cat "$tmp")
printf '%s\n' "$out" | sed 's/^/# run.sh: /' >&2
# run.sh skips every scenario as a whole when qemu or the kernel is missing.
if printf '%s\n' "$out" | grep -q '^ok [0-9]* - vm/st-pass # SKIP'; then
  echo "ok 1 - vm-harness: self-test # SKIP $(printf '%s\n' "$out" | grep -m1 '^ok [0-9]* - vm/st-pass # SKIP' | sed 's/.*# SKIP //')"
  exit 0
fi
n=0
check() {  # check DESC PATTERN: PATTERN (ERE) must match a line of run.sh's output
  n=$((n + 1))
  if printf '%s\n' "$out" | grep -Eq "$2"; then echo "ok $n - vm-harness: $1"; else echo "not ok $n - vm-harness: $1"; fi
}
check "a passing step is ok" '^ok [0-9]+ - vm/st-pass: true passes$'
check "the last output line without a newline reaches the transcript" '^ok [0-9]+ - vm/st-pass: the last line is kept$'
check "an expected exit code is ok" '^ok [0-9]+ - vm/st-pass: exit 3 expected$'
check "a skip carries its reason" '^ok [0-9]+ - vm/st-pass: a skipped step # SKIP because the self-test says so$'
check "a failing step is not ok" '^not ok [0-9]+ - vm/st-fail: false fails \(exit 1\)$'
check "steps after a failure still run" '^ok [0-9]+ - vm/st-fail: true passes$'
check "a script that exits non-zero without a failing step is not ok" '^not ok [0-9]+ - vm/st-silent: scenario exited 3 without a failing step$'
check "a script that reports nothing is not ok" '^not ok [0-9]+ - vm/st-empty: reported no steps$'
check "a script killed at its limit is not ok" '^not ok [0-9]+ - vm/st-hang: scenario killed at its time limit$'
check "the scenario after a hung one still runs" '^# vm/st-empty: 0 steps'
n=$((n + 1))
if [ "$rc" -ne 0 ]; then echo "ok $n - vm-harness: run.sh exits non-zero when a step failed"; else echo "not ok $n - vm-harness: run.sh exits non-zero when a step failed"; fi
n=$((n + 1))
if [ "$(printf '%s\n' "$out" | grep -c '^ok [0-9]* - vm/st-pass')" -eq 5 ] && ! printf '%s\n' "$out" | grep -q '^not ok [0-9]* - vm/st-pass'; then
  echo "ok $n - vm-harness: a passing scenario has no extra failure lines"
else
  echo "not ok $n - vm-harness: a passing scenario has no extra failure lines"
fi
