#!/usr/bin/env bash
# iscsi-targetd's memory over repeated floods. Each round: an iscsi-perf session doing reads,
# CONNS TCP connections that never speak (dropped by the target's 30 s login timeout) and
# 200 logins/s for 5 s from tests/lib/flood.py, all at once; RSS (anonymous) while the silent
# connections are still open (right after the storm), then RSS and the open descriptors of the
# daemon once they timed out. A leak grows every round; memory the allocator keeps instead of
# giving it back shows as after > start.
#   bench/flood.sh [ROUNDS] [CONNS]     (in a private network namespace; ~40 s per round)
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
ROUNDS=${1:-3} CONNS=${2:-1000}
if [ -z "${FLOOD_NETNS:-}" ]; then
        exec unshare -n env FLOOD_NETNS=1 bash -c 'ip link set lo up; exec bash "$0" "$@"' "$0" "$@"
fi
command -v iscsi-perf >/dev/null || { echo "bench/flood.sh: iscsi-perf (libiscsi-bin) is not installed" >&2; exit 1; }
ninja -C "$BUILD_DIR" iscsi-target/daemon/iscsi-targetd >/dev/null || exit 1
WORK=$(mktemp -d /tmp/flood-bench.XXXXXX)
PORT=3260 TARGET=iqn.2026-12.bench:flood FLOOD=$SRC_DIR/tests/lib/flood.py
TD_PID=
trap 'kill $TD_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cat >"$WORK/sc.json" <<JSON
{ "fabric_modules": [],
  "storage_objects": [ { "plugin": "ramdisk", "name": "r0", "size": 16777216, "attributes": {} } ],
  "targets": [ { "wwn": "$TARGET", "fabric": "iscsi", "tpgs": [ { "tag": 1, "enable": true,
      "attributes": { "authentication": 0, "generate_node_acls": 1, "demo_mode_write_protect": 0 },
      "parameters": {}, "luns": [ { "index": 0, "storage_object": "/backstores/ramdisk/r0" } ],
      "portals": [ { "ip_address": "127.0.0.1", "iser": false, "offload": false, "port": $PORT } ],
      "node_acls": [] } ] } ] }
JSON
ulimit -n "$(ulimit -Hn)"
"$BUILD_DIR/iscsi-target/daemon/iscsi-targetd" -f -c "$WORK/sc.json" -p "" -t 2 >"$WORK/targetd.log" 2>&1 &
TD_PID=$!
sleep 1
state() { echo "$(awk '$1 == "RssAnon:" { print $2 }' "/proc/$TD_PID/status") $(ls "/proc/$TD_PID/fd" | wc -l)"; }
python3 "$FLOOD" logins "$PORT" 100 1 "$TARGET" iqn.2026-12.bench:warmup >/dev/null
sleep 1
printf '%-8s %12s %12s %6s  %s\n' round during_KiB RssAnon_KiB fds "login storm / silent connections"
read -r rss fds < <(state)
printf '%-8s %12s %12s %6s\n' start - "$rss" "$fds"
for r in $(seq "$ROUNDS"); do
        timeout 40 iscsi-perf -i iqn.2026-12.bench:keeper -m 8 "iscsi://127.0.0.1:$PORT/$TARGET/0" >/dev/null 2>&1 &
        k=$!
        python3 "$FLOOD" silent "$PORT" "$CONNS" 36 >"$WORK/silent.out" 2>&1 &
        s=$!
        sleep 2
        storm=$(python3 "$FLOOD" logins "$PORT" 200 5 "$TARGET" iqn.2026-12.bench:storm)
        read -r during _ < <(state)
        wait "$k" "$s"
        sleep 1
        read -r rss fds < <(state)
        printf '%-8s %12s %12s %6s  %s / %s\n' "$r" "$during" "$rss" "$fds" "$storm" "$(grep closed_by_target "$WORK/silent.out")"
done
