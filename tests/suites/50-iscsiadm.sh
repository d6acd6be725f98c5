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
# every process a test starts is stopped by that test's teardown; bats runs tests in order
exec timeout 900 bats --formatter tap "$SRC_DIR"/tests/bats/iscsiadm-*.bats
