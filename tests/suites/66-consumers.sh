#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# 66-consumers: the programs that drive iscsiadm and read targetcli's files, run for real in the
# systemd guests of tests/vm/sd (issue 11, "Real consumers"):
#   one pair, run-pair.sh consumer-target consumer-osbrick:
#   - consumer-target: Debian's targetcli-fb/python3-rtslib-fb with the kernel's LIO (our
#     saveconfig.json restored by targetctl; targetcli's served by iscsi-targetd), then
#     iscsi-targetd.service serving os-brick's LUN;
#   - consumer-osbrick: Debian's python3-os-brick ISCSIConnector through oslo.privsep against it,
#     then Debian's libvirtd: an iscsi storage pool (pool-start / vol-list / pool-stop).
# Prints every detail step, then one TAP step per consumer check: ok iff it has detail steps
# and all passed. Wall time and findings: tests/vm/sd/CONSUMERS.md.
# Env: SRC_DIR, BUILD_DIR, OUT_DIR (from tests/run-all.sh).
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT_DIR=${OUT_DIR:-$SRC_DIR/tests-out}
export SRC_DIR OUT_DIR BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
out=$OUT_DIR/66-consumers
rm -rf "$out"; mkdir -p "$out"
# name of the summary step = prefix of its detail steps' descriptions
checks=("targetcli" "os-brick target" "os-brick" "libvirt")

t0=$(date +%s)
SD_OUT=$out/pair "$SRC_DIR/tests/vm/sd/run-pair.sh" consumer-target consumer-osbrick \
  > "$out/pair.tap" 2> "$out/pair.log"
wall=$(( $(date +%s) - t0 ))

. "$SRC_DIR/tests/lib/sd-steps.sh"
sd_detail_steps "$out/pair.tap" "${checks[@]}"
echo "# 66-consumers: pair wall time ${wall}s"
sd_summary_steps "$out/pair.tap" "$out/pair.log" "consumers: " "${checks[@]}"
if [ $failed = 1 ]; then
  echo "# 66-consumers: logs in $out (pair.log; per boot: pair/{first,second}/boot-N/)"
  tail -n 80 "$out/pair.log" >&2
fi
echo "1..$n"
[ $failed = 0 ]
