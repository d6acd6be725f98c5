#!/usr/bin/env bash
# iscsiadm CLI and node DB: bats files tests/bats/iscsiadm-*.bats (TAP on stdout).
# Needs BUILD_DIR built (iscsiadm, iscsi-iname, tests/unit-node/st-responder); uses Debian's
# tgtd and open-iscsi iscsiadm when installed (tests that need them skip with a reason).
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}" "${OUT_DIR:?}"
export BUILD_DIR
if ! command -v bats >/dev/null; then
  echo "1..1"
  echo "ok 1 - iscsiadm bats suite # SKIP bats not installed"
  exit 0
fi
for f in iscsiadm/iscsiadm iscsiadm/iscsi-iname tests/unit-node/st-responder; do
  if [ ! -x "$BUILD_DIR/$f" ]; then
    echo "1..1"; echo "not ok 1 - iscsiadm bats suite: $BUILD_DIR/$f not built"; exit 1
  fi
done
# Every process a test starts is stopped by that test's teardown. As a second line of defence
# (a killed run, a teardown that failed) bats runs in its own process group, which is
# killed on exit, so no tgtd / st-responder / iscsid / iscsi-targetd outlives the suite.
setsid timeout 900 bats --formatter tap "$SRC_DIR"/tests/bats/iscsiadm-*.bats &
pgid=$!
trap 'kill -TERM -- -$pgid 2>/dev/null; sleep 0.5; kill -KILL -- -$pgid 2>/dev/null' EXIT
wait $pgid
