#!/usr/bin/env bash
# One slow initiator on the same iscsi-targetd worker as fast ones: does it slow them down?
# iscsi-targetd with one worker thread (-t 1, so every session shares it); FAST sessions of
# libiscsi's iscsi-perf (8 outstanding 4 KiB reads each) run SECONDS alone, then SECONDS beside
# bench/slow-reader.py (up to 32 outstanding 256 KiB reads, SO_RCVBUF 4 KiB, read at 64 KiB/s: the
# target's sends to it stall on a full TCP window). ROUNDS alternations; prints the fast
# sessions' IOPS in each phase and the ratio with/without (goal: >= 0.90).
#   bench/slow-peer.sh [SECONDS] [ROUNDS] [FAST]     (in a private network namespace)
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
SECONDS_EACH=${1:-10} ROUNDS=${2:-3} FAST=${3:-3}
if [ -z "${SLOW_PEER_NETNS:-}" ]; then
        exec unshare -n env SLOW_PEER_NETNS=1 bash -c 'ip link set lo up; exec bash "$0" "$@"' "$0" "$@"
fi
command -v iscsi-perf >/dev/null || { echo "bench/slow-peer.sh: iscsi-perf (libiscsi-bin) is not installed" >&2; exit 1; }
ninja -C "$BUILD_DIR" iscsi-target/daemon/iscsi-targetd >/dev/null || exit 1
WORK=$(mktemp -d /tmp/slow-peer.XXXXXX)
PORT=3260 TARGET=iqn.2026-12.bench:slowpeer
TD_PID=
trap 'kill $TD_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cat >"$WORK/sc.json" <<JSON
{ "fabric_modules": [],
  "storage_objects": [ { "plugin": "ramdisk", "name": "r0", "size": 67108864, "attributes": {} } ],
  "targets": [ { "wwn": "$TARGET", "fabric": "iscsi", "tpgs": [ { "tag": 1, "enable": true,
      "attributes": { "authentication": 0, "generate_node_acls": 1, "demo_mode_write_protect": 0 },
      "parameters": {}, "luns": [ { "index": 0, "storage_object": "/backstores/ramdisk/r0" } ],
      "portals": [ { "ip_address": "127.0.0.1", "iser": false, "offload": false, "port": $PORT } ],
      "node_acls": [] } ] } ] }
JSON
"$BUILD_DIR/iscsi-target/daemon/iscsi-targetd" -f -c "$WORK/sc.json" -p "" -t 1 >"$WORK/targetd.log" 2>&1 &
TD_PID=$!
sleep 1

fast_phase() {   # fast_phase: sum of the FAST sessions' average IOPS over SECONDS_EACH
        local i sum=0 v
        for i in $(seq "$FAST"); do
                timeout "$SECONDS_EACH" iscsi-perf -i "iqn.2026-12.bench:fast$i" -m 8 \
                        "iscsi://127.0.0.1:$PORT/$TARGET/0" >"$WORK/fast$i.log" 2>&1 &
        done
        wait $(jobs -p | grep -v "^$TD_PID$" | grep -v "^${SLOW_PID:-x}$") 2>/dev/null
        for i in $(seq "$FAST"); do
                v=$(tr '\r' '\n' <"$WORK/fast$i.log" | sed -nE 's/.*iops average ([0-9]+) .*/\1/p' | tail -1)
                sum=$((sum + ${v:-0}))
        done
        echo "$sum"
}

printf '%-6s %14s %14s %8s  %s\n' round alone beside-slow ratio slow-reader
total_a=0 total_b=0
for r in $(seq "$ROUNDS"); do
        SLOW_PID=
        a=$(fast_phase)
        python3 "$SRC_DIR/bench/slow-reader.py" "$PORT" "$TARGET" iqn.2026-12.bench:slow $((SECONDS_EACH + 3)) >"$WORK/slow.log" 2>&1 &
        SLOW_PID=$!
        sleep 1
        b=$(fast_phase)
        wait "$SLOW_PID"
        printf '%-6s %14s %14s %8s  %s\n' "$r" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a ? b / a : 0 }')" "$(cat "$WORK/slow.log")"
        total_a=$((total_a + a)) total_b=$((total_b + b))
done
echo "fast sessions beside one slow reader / alone, all rounds: $(awk -v a="$total_a" -v b="$total_b" 'BEGIN { printf "%.3f", a ? b / a : 0 }') (goal >= 0.90; $FAST fast sessions, one worker)"
