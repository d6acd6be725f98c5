#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Failover pause under dm-multipath: ours vs Debian's open-iscsi, same guest, same boot.
# Boots the systemd guest once with tests/vm/sd/scenarios/mp-paths.sh in its failover-only mode
# (kernel args mp.only=failover mp.peer=1 mp.cuts=N): a verified writer (64 KiB O_DIRECT writes,
# python) runs on the dm device while the optimized path is blackholed N times by nft in the
# target's namespace (replacement_timeout 5, noop_out interval/timeout 5/5 for both
# initiators); per cut the writer's longest stall between two completed writes is recorded.
# Then the same with /usr/sbin/iscsid + /usr/sbin/iscsiadm (open-iscsi 2.1.8).
# Prints median / max stall for each and the ratio ours/open-iscsi (medians).
#   bench/failover-pause.sh [CUTS]     (default 5; ~25-30 min on a loaded 2-core TCG host)
# Env: BUILD_DIR (default ./build), OUT_DIR. Run inside `unshare -n` like every test.
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
export SRC_DIR BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
cuts=${1:-5}
out=${OUT_DIR:-$SRC_DIR/tests-out}/bench-failover-pause
rm -rf "$out"; mkdir -p "$out"
scen=$out/failover-pause.sh
# per boot limit: two logins + 2 x CUTS cuts at ~75 s each under a loaded TCG host
sed -e "s/^# sd-append: .*/& mp.only=failover mp.peer=1 mp.cuts=$cuts/" \
  -e "s/^# sd-timeout: .*/# sd-timeout: $((900 + 200 * cuts))/" \
  "$SRC_DIR/tests/vm/sd/scenarios/mp-paths.sh" > "$scen"
t0=$(date +%s)
SD_OUT=$out/vm "$SRC_DIR/tests/vm/sd/run.sh" "$scen" > "$out/vm.tap" 2> "$out/vm.log"
rc=$?
cat "$out/vm.tap"
echo "# wall time $(( $(date +%s) - t0 ))s, logs in $out"
mark() { sed -n "s/^# sd\/[^ ]* mark $1 //p" "$out/vm.tap" | head -1; }
stats() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{v[NR]=$1} END {
  if (NR == 0) { print "none"; exit }
  m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%.2f %.2f %d\n", m, v[NR], NR }'; }
read -r om ox on < <(mark pause_ours | stats)
read -r pm px pn < <(mark pause_openiscsi | stats)
echo "failover pause (writer stall per cut, s): ours median $om max $ox (n=$on; $(mark pause_ours))"
echo "failover pause (writer stall per cut, s): open-iscsi median $pm max $px (n=$pn; $(mark pause_openiscsi))"
if [ "$om" != none ] && [ "$pm" != none ]; then
  awk -v a="$om" -v b="$pm" 'BEGIN { if (b > 0) printf "ratio ours/open-iscsi (median): %.2f\n", a / b }'
fi
exit $rc
