#!/usr/bin/env bash
# iscsi-target (the targetcli-style admin CLI): bats files tests/bats/target-*.bats, TAP out.
# Every process a test starts is stopped in that test's teardown; bats runs in its own
# process group here so that anything left over is stopped too.
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}" "${OUT_DIR:?}"
export BUILD_DIR

if ! command -v bats >/dev/null; then
        echo "1..1"
        echo "ok 1 - target-cli # SKIP bats is not installed"
        exit 0
fi
if [ ! -x "$BUILD_DIR/iscsi-target/admin/iscsi-target" ]; then
        echo "1..1"
        echo "not ok 1 - target-cli: $BUILD_DIR/iscsi-target/admin/iscsi-target was not built"
        exit 1
fi

export TMPDIR="${OUT_DIR}/target-cli.tmp"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"

setsid bats --formatter tap "$SRC_DIR"/tests/bats/target-*.bats &
pid=$!
trap 'kill -TERM -- -$pid 2>/dev/null; wait $pid 2>/dev/null' INT TERM
wait $pid
rc=$?
# Leftovers of an interrupted test (there should be none).
kill -TERM -- -"$pid" 2>/dev/null || true
exit $rc
