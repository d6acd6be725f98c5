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

n=0 failed=0
declare -A seen bad
while IFS= read -r line; do
  if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ -?\ ?(.*)$ ]]; then
    n=$((n + 1)); res=${BASH_REMATCH[1]} desc=${BASH_REMATCH[2]}
    echo "$res $n - $desc"
    [ "$res" = "not ok" ] && failed=1
    d=${desc#sd/*: }
    for c in "${checks[@]}"; do
      if [[ $d == "$c:"* ]]; then
        seen[$c]=1
        [[ $res == "not ok" ]] && bad[$c]=1
        [[ $res == ok && $desc == *"# SKIP"* ]] && bad[$c]=${bad[$c]:-skip}
      fi
    done
  elif [[ $line == "#"* ]]; then
    echo "$line"
  fi
done < "$out/vm.tap"

echo "# 67-multipath: wall time ${wall}s"
for c in "${checks[@]}"; do
  n=$((n + 1))
  if [ -z "${seen[$c]:-}" ]; then
    if grep -q '# SKIP' "$out/vm.tap"; then
      echo "ok $n - $c # SKIP $(sed -n 's/.*# SKIP //p' "$out/vm.tap" | head -1)"
    else
      echo "not ok $n - $c: no step ran (see $out/vm.log)"; failed=1
    fi
  elif [ "${bad[$c]:-}" = 1 ]; then
    echo "not ok $n - $c"; failed=1
  elif [ "${bad[$c]:-}" = skip ]; then
    echo "ok $n - $c # SKIP (see the detail steps)"
  else
    echo "ok $n - $c"
  fi
done
if [ $failed = 1 ]; then
  echo "# 67-multipath: logs in $out (vm.log; vm/boot-1/transcript.txt, console.txt)"
  tail -n 80 "$out/vm.log" >&2
fi
echo "1..$n"
[ $failed = 0 ]
