#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: network faults under a verified writer, five minutes each (issue 14), in one VM
# boot: our iscsid + kernel iscsi_tcp against our iscsi-targetd in a network namespace behind a
# veth pair (tests/vm/scenarios/netem.sh, the test command's short version, run with
# FAULT_SECONDS set). Faults: loss 1%, loss 5%, delay 50 ms +- 20 ms with reordering,
# duplication 5%, a link down 5 s every 20 s, and the tcp-corrupt relay flipping bits past TCP's
# checksum with header and data digests on. The writer writes fresh random 1 MiB chunks (O_DIRECT
# + fsync), reads each back and compares, for the whole duration. Prints per fault: MiB written
# and verified, verify errors, the writer's worst pause, session recoveries, and for the relay the
# flips made and the digest errors each side reported.
#
#   bench/netem.sh                       # all six faults, 5 min each (about 35 min)
#   BENCH_SECONDS=60 BENCH_FAULTS="loss_5% digest" bench/netem.sh
# Env: SRC_DIR, BUILD_DIR (built, with tests/tcp-corrupt), VM_CACHE, VM_OUT (logs),
#      BENCH_SECONDS (per fault, default 300), BENCH_FAULTS (default all: loss_1% loss_5% delay
#      duplicate flap digest), BENCH_FLIP_EVERY (relay's mean bytes per flip and direction,
#      default 4194304).
# Run it inside a network namespace of its own, like every VM: unshare -n bash -c 'ip link set
# lo up; bench/netem.sh'.
set -euo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
VM_CACHE=${VM_CACHE:-$SRC_DIR/.cache/vm}
SECS=${BENCH_SECONDS:-300}
FAULTS=${BENCH_FAULTS:-all}
FLIP=${BENCH_FLIP_EVERY:-4194304}
export SRC_DIR BUILD_DIR VM_CACHE
. "$SRC_DIR/bench/vm-bench.sh"

[[ $SECS =~ ^[0-9]+$ ]] && [ "$SECS" -gt 0 ] || { echo "bench: BENCH_SECONDS must be a positive number" >&2; exit 2; }
[[ $FAULTS =~ ^[a-z0-9_%\ ]+$ ]] || { echo "bench: bad BENCH_FAULTS" >&2; exit 2; }
[[ $FLIP =~ ^[0-9]+$ ]] || { echo "bench: bad BENCH_FLIP_EVERY" >&2; exit 2; }
n=$(if [ "$FAULTS" = all ]; then echo 6; else echo "$FAULTS" | wc -w; fi)
timeout=$((n * (SECS + 180) + 600))
echo "bench: faults: $FAULTS, $SECS s each (guest limit $timeout s)" >&2
vm_bench_run "$SRC_DIR/tests/vm/scenarios/netem.sh" bench-netem \
  "s/^FAULT_SECONDS=0 /FAULT_SECONDS=$SECS /" \
  "s/^FAULTS=all /FAULTS=\"$FAULTS\" /" \
  "s/^FLIP_EVERY=[0-9]* /FLIP_EVERY=$FLIP /" \
  "s/^FLAP_UP=3 FLAP_DOWN=2 /FLAP_UP=15 FLAP_DOWN=5 /" \
  "s/^# vm-timeout: .*/# vm-timeout: $timeout/" || true
t=$VM_BENCH_TRANSCRIPT
[ -f "$t" ] || exit 1

# "BENCH fault name=X key=value ..." lines of the guest, one per fault
field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
printf '%-12s %6s %9s %7s %11s %10s %-26s %-26s\n' fault "MiB" verified "errors" "worst pause" recoveries \
  "target digest errors h/d" "initiator h+a/d"
grep '^BENCH fault ' "$t" | while read -r line; do
  name=$(field name "$line")
  errs=$(( $(field verify_errors "$line") + $(field write_errors "$line") ))
  tgt=- ini=-
  if [ "$name" = digest ]; then
    tgt="$(field target_header_digest_errors "$line")/$(field target_data_digest_errors "$line") (flips $(field flips_i2t_header "$line")/$(field flips_i2t_data "$line"))"
    ini="$(field initiator_header_digest_errors "$line")+$(field initiator_ahslen_errors "$line")/$(field initiator_data_digest_errors "$line") (flips $(field flips_t2i_header "$line")/$(field flips_t2i_data "$line"))"
  fi
  printf '%-12s %6s %9s %7s %8s ms %10s %-26s %-26s\n' "$name" "$(field mib "$line")" "$(field verified "$line")" \
    "$errs" "$(field worst_pause_ms "$line")" "$(field recoveries "$line")" "$tgt" "$ini"
done
echo "(errors: verify errors + failed writes; digest errors: header/data, each with the relay's flips toward that side;"
echo " initiator h+a: kernel connection errors 1014 header digest + 1007 AHS length, d: 1015 data digest)"
if [ "$VM_BENCH_RC" -ne 0 ]; then
  echo "bench: some steps failed (see $VM_BENCH_OUT):" >&2
  grep '^not ok' "$VM_BENCH_OUT"/*.tap 2>/dev/null >&2 || grep -h '@@NOTOK' "$VM_BENCH_OUT/markers.log" >&2 || true
  exit 1
fi
