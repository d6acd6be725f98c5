#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: the soak of tests/vm/scenarios/soak.sh for 30 minutes (the test command runs it for
# 3): one guest (qemu TCG, 1 vCPU), our iscsi-targetd serving 16 targets, our iscsid logged in to
# all 16, a verified writer on every disk, iscsi-targetd killed and restarted every 60 s and
# iscsid every 90 s. Prints RSS and open fds of each daemon right after its first start and at
# the end of its life against its last instance, the restarts done, the bytes written and
# verified, I/O errors, mismatches and the writers' worst pause; exits non-zero if a step failed.
#
#   bench/soak.sh                 # needs a build (BUILD_DIR, default ./build) and qemu
# Env: SRC_DIR, BUILD_DIR, VM_CACHE, VM_OUT (logs), SOAK_SECONDS (default 1800).
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
VM_CACHE=${VM_CACHE:-$SRC_DIR/.cache/vm}
secs=${SOAK_SECONDS:-1800}
export SRC_DIR BUILD_DIR VM_CACHE
. "$SRC_DIR/bench/vm-bench.sh"

echo "bench: soak for $secs s" >&2
vm_bench_run "$SRC_DIR/tests/vm/scenarios/soak.sh" bench-soak \
  "s/^SOAK_SECONDS=\${SOAK_SECONDS:-180}/SOAK_SECONDS=$secs/" \
  "s/^# vm-timeout: .*/# vm-timeout: $((secs + 600))/"
t=$VM_BENCH_TRANSCRIPT
val() { awk -v k="$1" '$1 == "SOAK" && $2 == k {print $3}' "$t" | tail -1; }
# use WHO INSTANCE POINT: "VmRSS FDS RssAnon" (KiB, count, KiB)
use() { awk -v w="$1" -v n="$2" -v p="$3" '$1 == "SOAK" && $2 == "usage" && $3 == w && $4 == n && $5 == p {print $6, $7, $8}' "$t"; }
last() { awk -v w="$1" '$1 == "SOAK" && $2 == "usage" && $3 == w {n = $4} END {print n}' "$t"; }
fmt='%-40s %13s %17s %8s %7s\n'
row() {  # row LABEL "VmRSS FDS ANON" "VmRSS FDS ANON"
  local a b
  read -r -a a <<<"$2"
  read -r -a b <<<"$3"
  if [ ${#a[@]} = 3 ] && [ ${#b[@]} = 3 ]; then
    printf "$fmt" "$1" "${a[0]} -> ${b[0]}" "${a[2]} -> ${b[2]}" "$((b[2] - a[2]))" "$((b[1] - a[1])) (${b[1]})"
  else
    printf '%-40s %s\n' "$1" "(missing)"
  fi
}
# VmRSS includes iscsi-targetd's mapped tmpfs backing-file pages; the limit is on RssAnon.
printf "$fmt" "KiB; fds" "VmRSS" "RssAnon" "growth" "+fds"
for who in iscsid targetd; do
  n=$(last $who)
  row "$who #1: after start -> end of life" "$(use $who 1 start)" "$(use $who 1 end)"
  row "$who #$n (last): after start -> end" "$(use $who "$n" start)" "$(use $who "$n" end)"
  row "$who #1 -> #$n, after start" "$(use $who 1 start)" "$(use $who "$n" start)"
  row "$who #1 -> #$n, end of life" "$(use $who 1 end)" "$(use $who "$n" end)"
  # the largest growth over one instance's life
  awk -v w=$who '$1 == "SOAK" && $2 == "usage" && $3 == w { r[$4, $5] = $8; f[$4, $5] = $7; if ($4 > m) m = $4 }
    END { g = -1e9; h = -1e9; for (i = 1; i <= m; i++) if ((i, "start") in r && (i, "end") in r) {
            if (r[i, "end"] - r[i, "start"] > g) g = r[i, "end"] - r[i, "start"]
            if (f[i, "end"] - f[i, "start"] > h) h = f[i, "end"] - f[i, "start"] }
          printf "%-40s %13s %17s %8s %7s\n", w ": worst of " m " instances", "", "", g, h }' "$t"
done
echo "soak: $(val seconds) s; restarts: iscsi-targetd $(val target_restarts), iscsid $(val iscsid_restarts)"
echo "data: $(val rounds) writes of 64 KiB ($(val bytes_written) bytes) on 16 disks;" \
  "$(val bytes_verified) bytes read back and verified; I/O errors $(val io_errors); mismatches $(val mismatches)"
echo "worst time from a kill of iscsi-targetd to all 16 sessions LOGGED_IN again: $(val worst_target_recovery_s) s;" \
  "from a start of iscsid to all 16 sessions adopted: $(val worst_iscsid_adoption_s) s"
echo "worst writer pause (one read-check + write round): $(val worst_pause_s) s"
failed=$(grep -c '^@@NOTOK' "$VM_BENCH_OUT/markers.log" || true)
echo "failed steps: $failed (run.sh status $VM_BENCH_RC; logs in $VM_BENCH_OUT)"
grep '^@@NOTOK' "$VM_BENCH_OUT/markers.log" || true
[ "$VM_BENCH_RC" = 0 ]
