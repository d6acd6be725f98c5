#!/usr/bin/env bash
# Target data-path benchmark (issue 6; not a test): iscsi-targetd vs Debian's tgtd on the same
# 1 GiB LUN in /dev/shm, client on the same machine over loopback, iperf3 single-stream TCP as
# the limit. Prints every figure and the ratios ours/tgt and ours/TCP.
#
#   bench/target-perf.sh [BUILD_DIR]        (default: ./build)   env: SECONDS_PER_RUN=10
#
# Reads: libiscsi's iscsi-perf (4 KiB random QD32, 128 KiB and 1 MiB sequential QD16).
# Writes: bench/target-writeload.c, a small libiscsi-node client (4 KiB random QD32,
# 128 KiB and 1 MiB sequential QD16), compiled here against the build's libiscsi-proto.a.
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "${1:-$SRC_DIR/build}" && pwd)
T=${SECONDS_PER_RUN:-10}
TARGETD=$BUILD_DIR/target/daemon/iscsi-targetd
IMG=/dev/shm/target-perf-lun.img
IQN=iqn.2026-11.org.iscsi-tools.bench:lun
WORK=$(mktemp -d /tmp/target-perf.XXXXXX)
OURS_PORT=3290 TGT_PORT=3291 IPERF_PORT=5290
TGT_CTL=$((20000 + $$ % 10000))   # own tgtd control socket, not the system one
pids=()

cleanup() {
        [ -n "${tgt:-}" ] && tgtadm -C $TGT_CTL --op delete --mode system --force >/dev/null 2>&1
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
        sleep 0.5
        for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done   # tgtd ignores SIGTERM
        rm -rf "$WORK" "$IMG"
}
trap cleanup EXIT INT TERM

for tool in iscsi-perf tgtd tgtadm iperf3 cc; do
        command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
[ -x "$TARGETD" ] || { echo "build first: $TARGETD missing" >&2; exit 1; }
for p in $OURS_PORT $TGT_PORT $IPERF_PORT; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "port $p busy" >&2; exit 1; fi
done

cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$BUILD_DIR" -I"$SRC_DIR/libiscsi-node" "$SRC_DIR/bench/target-writeload.c" \
        "$BUILD_DIR/libiscsi-node/libiscsi-proto.a" -lcrypto -lisal -o "$WORK/writeload" || exit 1

truncate -s 1G "$IMG"
dd if=/dev/zero of="$IMG" bs=1M count=1024 conv=notrunc status=none   # allocate the pages once

wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# iscsi-perf prints "iops average N (M MB/s)" at the end.
perf_read() {   # URL ARGS... -> "iops MB/s"
        local url=$1; shift
        timeout $((T + 20)) iscsi-perf -t "$T" "$@" "$url" 2>&1 | tr '\r' '\n' |
                sed -n 's/.*iops average \([0-9]*\) (\([0-9]*\) MB\/s).*/\1 \2/p' | tail -1
}
perf_write() {  # PORT TARGET LUN BYTES QD [random] -> "iops MB/s"
        timeout $((T + 20)) "$WORK/writeload" "$1" "$2" "$3" "$4" "$5" "$T" ${6:-}
}

declare -A R
run_suite() {   # NAME PORT TARGET LUN
        local name=$1 port=$2 tgt=$3 lun=$4 url="iscsi://127.0.0.1:$2/$3/$4"
        R[$name,r4k]=$(perf_read "$url" -b 8 -m 32 -r)
        R[$name,r128k]=$(perf_read "$url" -b 256 -m 16)
        R[$name,r1m]=$(perf_read "$url" -b 2048 -m 16)
        R[$name,w4k]=$(perf_write "$port" "$tgt" "$lun" 4096 32 random)
        R[$name,w128k]=$(perf_write "$port" "$tgt" "$lun" 131072 16)
        R[$name,w1m]=$(perf_write "$port" "$tgt" "$lun" 1048576 16)
}

# ---- TCP limit ----
iperf3 -s -p $IPERF_PORT -1 >/dev/null 2>&1 &
pids+=($!)
sleep 0.5
tcp_mbs=$(iperf3 -c 127.0.0.1 -p $IPERF_PORT -t "$T" -J 2>/dev/null |
        python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/8e6))')

# ---- ours ----
cat >"$WORK/saveconfig.json" <<JSON
{"fabric_modules": [],
 "storage_objects": [{"plugin": "fileio", "name": "shm", "dev": "$IMG", "size": 1073741824,
                      "write_back": true, "attributes": {}}],
 "targets": [{"wwn": "$IQN", "fabric": "iscsi", "tpgs": [{"tag": 1, "enable": true,
   "attributes": {"authentication": 0, "generate_node_acls": 1, "demo_mode_write_protect": 0},
   "parameters": {}, "luns": [{"index": 0, "storage_object": "/backstores/fileio/shm"}],
   "portals": [{"ip_address": "127.0.0.1", "port": $OURS_PORT}], "node_acls": []}]}]}
JSON
"$TARGETD" -f -c "$WORK/saveconfig.json" --pidfile "$WORK/targetd.pid" >"$WORK/targetd.log" 2>&1 &
ours=$!
pids+=($ours)
wait_port $OURS_PORT || { echo "iscsi-targetd did not start" >&2; cat "$WORK/targetd.log" >&2; exit 1; }
run_suite ours $OURS_PORT "$IQN" 0
kill $ours; wait $ours 2>/dev/null

# ---- tgt ----
tgtd -f -C $TGT_CTL --iscsi portal=127.0.0.1:$TGT_PORT >"$WORK/tgtd.log" 2>&1 &
tgt=$!
pids+=($tgt)
wait_port $TGT_PORT || { echo "tgtd did not start" >&2; exit 1; }
tgtadm -C $TGT_CTL --lld iscsi --op new --mode target --tid 1 -T "$IQN"
tgtadm -C $TGT_CTL --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$IMG"
tgtadm -C $TGT_CTL --lld iscsi --op bind --mode target --tid 1 -I ALL
run_suite tgt $TGT_PORT "$IQN" 1
tgtadm -C $TGT_CTL --op delete --mode system --force >/dev/null 2>&1; sleep 0.5
kill -9 $tgt 2>/dev/null; wait $tgt 2>/dev/null; tgt=   # tgtd ignores SIGTERM

# ---- report ----
ratio() { python3 -c "import sys; a,b=float(sys.argv[1] or 0),float(sys.argv[2] or 0); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
printf "loopback TCP (iperf3, 1 stream): %s MB/s\n\n" "$tcp_mbs"
printf "%-30s %18s %18s %9s %9s\n" "workload" "iscsi-targetd" "tgtd 1.0.85" "ours/tgt" "ours/TCP"
for k in r4k:"4 KiB random read QD32" r128k:"128 KiB seq read QD16" r1m:"1 MiB seq read QD16" \
         w4k:"4 KiB random write QD32" w128k:"128 KiB seq write QD16" w1m:"1 MiB seq write QD16"; do
        key=${k%%:*} label=${k#*:}
        read -r oi om <<<"${R[ours,$key]:-0 0}"
        read -r ti tm <<<"${R[tgt,$key]:-0 0}"
        if [ "$key" = r4k ] || [ "$key" = w4k ]; then
                printf "%-30s %12s IOPS %12s IOPS %9s %9s\n" "$label" "$oi" "$ti" "$(ratio "$oi" "$ti")" "-"
        else
                printf "%-30s %13s MB/s %13s MB/s %9s %9s\n" "$label" "$om" "$tm" "$(ratio "$om" "$tm")" "$(ratio "$om" "$tcp_mbs")"
        fi
done
