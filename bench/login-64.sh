#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: log in and out of 64 sessions with our iscsid/iscsiadm and with Debian's open-iscsi
# in the same VM boot (tgtd in the guest on 127.0.0.1, qemu TCG, 1 vCPU), and print the ratios.
# Anchor measured in that VM: open-iscsi 36.1 s to log in 64 sessions, 1.3 s to log them out.
#
#   bench/login-64.sh            # needs a build (BUILD_DIR, default ./build) and qemu
# Env: SRC_DIR, BUILD_DIR, VM_CACHE, BENCH_N (default 64), VM_OUT (logs).
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
VM_CACHE=${VM_CACHE:-$SRC_DIR/.cache/vm}
N=${BENCH_N:-64}
export BUILD_DIR VM_CACHE

# A private source view whose scenario directory holds only the bench, so the test suite never
# runs it: everything is symlinked except tests/vm, which is copied.
view=$(mktemp -d /tmp/bench-login-64.XXXXXX)
trap 'rm -rf "$view"' EXIT
for e in "$SRC_DIR"/* "$SRC_DIR"/.cache; do
  [ -e "$e" ] || continue
  [ "$(basename "$e")" = tests ] && continue
  ln -s "$e" "$view/$(basename "$e")"
done
mkdir -p "$view/tests"
for e in "$SRC_DIR"/tests/*; do
  [ "$(basename "$e")" = vm ] && continue
  ln -s "$e" "$view/tests/$(basename "$e")"
done
cp -r "$SRC_DIR/tests/vm" "$view/tests/vm"
rm -f "$view"/tests/vm/scenarios/*.sh
sed "s/^N=\${BENCH_N:-64}/N=$N/" "$SRC_DIR/bench/login-64.guest.sh" > "$view/tests/vm/scenarios/bench-login-64.sh"
chmod +x "$view/tests/vm/scenarios/bench-login-64.sh"

out=${VM_OUT:-$(mktemp -d /tmp/bench-login-64-out.XXXXXX)}
echo "bench: booting the VM ($N targets; logs in $out)" >&2
SRC_DIR=$view VM_OUT=$out "$view/tests/vm/run.sh" bench-login-64 >&2 || true
t=$out/transcript-bench-login-64.txt
[ -f "$t" ] || { echo "bench: no transcript (see $out)" >&2; exit 1; }
val() { awk -v w="$1" -v m="$2" '$1=="BENCH" && $2==w && $3==m {print $4}' "$t" | tail -1; }
printf '%-12s %10s %14s %10s\n' "" "login (s)" "login+disks (s)" "logout (s)"
for who in ours open-iscsi; do
  printf '%-12s %10s %14s %10s\n' "$who" "$(val "$who" login)" "$(val "$who" disks)" "$(val "$who" logout)"
done
ratio() { awk -v a="$(val ours "$1")" -v b="$(val open-iscsi "$1")" 'BEGIN{ if (a > 0 && b > 0) printf "%.2fx", b / a; else print "n/a" }'; }
echo "speedup of ours over open-iscsi (open-iscsi time / our time):"
echo "  login: $(ratio login)   login+disks: $(ratio disks)   logout: $(ratio logout)"
echo "(anchor: open-iscsi 36.1 s login, 1.3 s logout for 64 sessions in this VM)"
