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
done < "$out/pair.tap"

echo "# 66-consumers: pair wall time ${wall}s"
for c in "${checks[@]}"; do
  n=$((n + 1))
  if [ -z "${seen[$c]:-}" ]; then
    if grep -q '# SKIP' "$out/pair.tap"; then
      echo "ok $n - consumers: $c # SKIP $(sed -n 's/.*# SKIP //p' "$out/pair.tap" | head -1)"
    else
      echo "not ok $n - consumers: $c: no step ran (see $out/pair.log)"; failed=1
    fi
  elif [ "${bad[$c]:-}" = 1 ]; then
    echo "not ok $n - consumers: $c"; failed=1
  elif [ "${bad[$c]:-}" = skip ]; then
    echo "ok $n - consumers: $c # SKIP (see the detail steps)"
  else
    echo "ok $n - consumers: $c"
  fi
done
if [ $failed = 1 ]; then
  echo "# 66-consumers: logs in $out (pair.log; per boot: pair/{first,second}/boot-N/)"
  tail -n 80 "$out/pair.log" >&2
fi
echo "1..$n"
[ $failed = 0 ]
