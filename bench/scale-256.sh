#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: 256 sessions in one guest (qemu TCG, 1 vCPU, tgtd in the guest on 127.0.0.1, one
# 8 MiB LUN per target): --loginall, I/O on every disk (a block written to each at once and read
# back), --logoutall, nothing left; times, guest memory per session, iscsid's RSS and fds.
# With SCALE_PEER=1 Debian's open-iscsi does the same after ours in the same boot (its login
# of 256 sessions takes many minutes under TCG, so it is off by default).
#
#   bench/scale-256.sh            # needs a build (BUILD_DIR, default ./build) and qemu
# Env: SRC_DIR, BUILD_DIR, VM_CACHE, VM_OUT (logs), SCALE_N (default 256), SCALE_PEER (0/1),
#      VM_MEM (MiB, default 2048 here).
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
VM_CACHE=${VM_CACHE:-$SRC_DIR/.cache/vm}
VM_MEM=${VM_MEM:-2048}
export SRC_DIR BUILD_DIR VM_CACHE VM_MEM
. "$SRC_DIR/bench/vm-bench.sh"

n=${SCALE_N:-256}
peer=${SCALE_PEER:-0}
vm_bench_run "$SRC_DIR/bench/scale-256.guest.sh" bench-scale-256 \
  "s/^N=\${SCALE_N:-256}/N=$n/" "s/^PEER=\${SCALE_PEER:-0}/PEER=$peer/"
t=$VM_BENCH_TRANSCRIPT
val() { awk -v w="$1" -v m="$2" '$1=="BENCH" && $2==w && $3==m {$1 = $2 = $3 = ""; print substr($0, 4)}' "$t" | tail -1; }
printf '%-12s %9s %13s %7s %10s %16s %18s\n' "$n sessions" "login (s)" "+disks (s)" "io (s)" "logout (s)" \
  "guest MiB/sess" "daemon RSS KiB, fds"
for who in ours open-iscsi; do
  [ -n "$(val "$who" login)" ] || continue
  printf '%-12s %9s %13s %7s %10s %16s %18s\n' "$who" "$(val "$who" login)" "$(val "$who" disks)" \
    "$(val "$who" io)" "$(val "$who" logout)" "$(val "$who" guest_mem_mib_per_session)" \
    "$(val "$who" daemon_rss_kib_fds)"
done
failed=$(grep -c '^@@NOTOK' "$VM_BENCH_OUT/markers.log" || true)
echo "failed steps: $failed (run.sh status $VM_BENCH_RC; logs in $VM_BENCH_OUT)"
grep '^@@NOTOK' "$VM_BENCH_OUT/markers.log" || true
[ "$VM_BENCH_RC" = 0 ]
