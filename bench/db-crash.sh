#!/usr/bin/env bash
# kill -9 / EIO / ENOSPC on the node DB, saveconfig.json and iscsid's session state files, at
# scale: the crash steps of tests/suites/70-reliability.sh with KILL_RUNS kills (default 500:
# 500 of iscsiadm split over -o new/-o update/-o delete/discovery, 250 of iscsi-target, 250 of
# iscsid's state file writer), each followed by the next run that must leave no temp file.
# Prints the TAP lines; the seed is in the log (SEED=... reproduces).   bench/db-crash.sh [KILL_RUNS]
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
export SRC_DIR BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build} OUT_DIR=${OUT_DIR:-$SRC_DIR/bench-out}
export KILL_RUNS=${1:-500} RELIABILITY_STEPS=crash
mkdir -p "$OUT_DIR"
ninja -C "$BUILD_DIR" >/dev/null || exit 1
start=$(date +%s)
unshare -n bash -c 'ip link set lo up; exec bash "$SRC_DIR/tests/suites/70-reliability.sh"' 2>"$OUT_DIR/db-crash.log"
rc=$?
grep -E '^# (seed|node DB|target config|iscsid state)' "$OUT_DIR/db-crash.log"
echo "# $(( $(date +%s) - start )) s, log in $OUT_DIR/db-crash.log"
exit $rc
