#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 67-multipath: many paths in one systemd guest (issue 12; tests/vm/sd/scenarios/mp-paths.sh):
# the target (iscsi-targetd.service) in a network namespace reached over two veth links, our
# installed iscsid/iscsiadm in the root namespace, Debian's multipath-tools on top:
#   ipv6 link-local, iface binding, multipath failover (2 cuts under a verified writer),
#   alua state change.
# Prints every detail step, then one TAP step per scenario name of the issue: ok iff it has
# detail steps and all of them passed. One boot, wall time ~3-5 min under TCG.
# The pause comparison with Debian's open-iscsi (5 cuts each): bench/failover-pause.sh.
# Env: SRC_DIR, BUILD_DIR, OUT_DIR (from tests/run-all.sh).
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT_DIR=${OUT_DIR:-$SRC_DIR/tests-out}
export SRC_DIR OUT_DIR BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
out=$OUT_DIR/67-multipath
rm -rf "$out"; mkdir -p "$out"
checks=("multipath failover" "alua state change" "iface binding" "ipv6 link-local")

t0=$(date +%s)
SD_OUT=$out/vm "$SRC_DIR/tests/vm/sd/run.sh" mp-paths > "$out/vm.tap" 2> "$out/vm.log"
wall=$(( $(date +%s) - t0 ))

. "$SRC_DIR/tests/lib/sd-steps.sh"
sd_detail_steps "$out/vm.tap" "${checks[@]}"
echo "# 67-multipath: wall time ${wall}s"
sd_summary_steps "$out/vm.tap" "$out/vm.log" "" "${checks[@]}"
if [ $failed = 1 ]; then
  echo "# 67-multipath: logs in $out (vm.log; vm/boot-1/transcript.txt, console.txt)"
  tail -n 80 "$out/vm.log" >&2
fi
echo "1..$n"
[ $failed = 0 ]
