#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: log in and out of 64 sessions with our iscsid/iscsiadm, Debian's open-iscsi, and ours
# again, in the same VM boot (tgtd in the guest on 127.0.0.1, qemu TCG, 1 vCPU), and print the
# ratios against the mean of our two runs, which bracket open-iscsi's in time.
# Anchor measured in that VM: open-iscsi 36.1 s to log in 64 sessions, 1.3 s to log them out.
#
#   bench/login-64.sh            # needs a build (BUILD_DIR, default ./build) and qemu
# Env: SRC_DIR, BUILD_DIR, VM_CACHE, BENCH_N (default 64), VM_OUT (logs), BENCH_TRACE=1 (kprobes
# on the kernel's teardown functions during each logout: calls, total and longest time per
# function, printed after the ratios; costs a little logout time, so not for the ratio itself).
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
VM_CACHE=${VM_CACHE:-$SRC_DIR/.cache/vm}
N=${BENCH_N:-64}
export SRC_DIR BUILD_DIR VM_CACHE
. "$SRC_DIR/bench/vm-bench.sh"

echo "bench: $N targets" >&2
vm_bench_run "$SRC_DIR/bench/login-64.guest.sh" bench-login-64 \
  "s/^N=\${BENCH_N:-64}/N=$N/" "s/^TRACE=\${BENCH_TRACE:-0}/TRACE=${BENCH_TRACE:-0}/"
t=$VM_BENCH_TRANSCRIPT
val() { awk -v w="$1" -v m="$2" '$1=="BENCH" && $2==w && $3==m {print $4}' "$t" | tail -1; }
# ours = the mean of the runs before and after open-iscsi's (the load drifts during a boot)
ours() { awk -v a="$(val ours-1 "$1")" -v b="$(val ours-2 "$1")" 'BEGIN{ if (a > 0 && b > 0) printf "%.2f", (a + b) / 2 }'; }
printf '%-12s %10s %14s %10s\n' "" "login (s)" "login+disks (s)" "logout (s)"
for who in ours-1 open-iscsi ours-2; do
  printf '%-12s %10s %14s %10s\n' "$who" "$(val "$who" login)" "$(val "$who" disks)" "$(val "$who" logout)"
done
printf '%-12s %10s %14s %10s\n' "ours (mean)" "$(ours login)" "$(ours disks)" "$(ours logout)"
ratio() { awk -v a="$(ours "$1")" -v b="$(val open-iscsi "$1")" 'BEGIN{ if (a > 0 && b > 0) printf "%.2fx", b / a; else print "n/a" }'; }
echo "speedup of ours over open-iscsi (open-iscsi time / mean of our two):"
echo "  login: $(ratio login)   login+disks: $(ratio disks)   logout: $(ratio logout)"
echo "(anchor: open-iscsi 36.1 s login, 1.3 s logout for 64 sessions in this VM)"
if grep -q '^BENCHTRACE ' "$t"; then
  echo "kernel time during --logoutall (BENCH_TRACE=1; calls, total and longest ms per function, and when the last call returned, from iscsiadm's start):"
  awk '$1 == "BENCHTRACE" { $1 = ""; print " " $0 }' "$t"
fi
