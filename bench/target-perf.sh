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
TARGETD=$BUILD_DIR/iscsi-target/daemon/iscsi-targetd
IMG=/dev/shm/target-perf-lun.$$.img   # per run: two runs at once must not share it
IQN=iqn.2026-11.org.iscsi-tools.bench:lun
WORK=$(mktemp -d /tmp/target-perf.XXXXXX)
OURS_PORT=${OURS_PORT:-3290} TGT_PORT=${TGT_PORT:-3291} IPERF_PORT=${IPERF_PORT:-5290}
# Our own tgtd control socket: one no other tgtd answers on (other tgtd instances may run).
for _ in $(seq 20); do
        TGT_CTL=$((20000 + RANDOM % 10000))
        tgtadm -C $TGT_CTL --op show --mode system >/dev/null 2>&1 || break
done
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

cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$BUILD_DIR" -I"$SRC_DIR/libiscsi-proto/include" -I"$SRC_DIR/libiscsi-util/include" \
        "$SRC_DIR/bench/target-writeload.c" "$BUILD_DIR/libiscsi-proto/libiscsi-proto.a" \
        "$BUILD_DIR/libiscsi-util/libiscsi-util.a" -lcrypto -lisal -o "$WORK/writeload" || exit 1

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

declare -A R C
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Runs one workload and records the figures and the target's CPU use (% of one core).
measure() {     # NAME KEY PID COMMAND...
        local name=$1 key=$2 pid=$3 t0 t1 s0 s1; shift 3
        t0=$(cpu_ticks "$pid"); s0=$(date +%s.%N)
        R[$name,$key]=$("$@")
        t1=$(cpu_ticks "$pid"); s1=$(date +%s.%N)
        C[$name,$key]=$(python3 -c "print(round(($t1 - $t0) / $(getconf CLK_TCK) / ($s1 - $s0) * 100))")
}
run_suite() {   # NAME PID PORT TARGET LUN
        local name=$1 pid=$2 port=$3 tgt=$4 lun=$5 url="iscsi://127.0.0.1:$3/$4/$5"
        measure "$name" r4k "$pid" perf_read "$url" -b 8 -m 32 -r
        measure "$name" r128k "$pid" perf_read "$url" -b 256 -m 16
        measure "$name" r1m "$pid" perf_read "$url" -b 2048 -m 16
        measure "$name" w4k "$pid" perf_write "$port" "$tgt" "$lun" 4096 32 random
        measure "$name" w128k "$pid" perf_write "$port" "$tgt" "$lun" 131072 16
        measure "$name" w1m "$pid" perf_write "$port" "$tgt" "$lun" 1048576 16
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
run_suite ours $ours $OURS_PORT "$IQN" 0
kill $ours; wait $ours 2>/dev/null

# ---- tgt ----
tgt=
for _ in 1 2 3; do
        tgtd -f -C $TGT_CTL --iscsi portal=127.0.0.1:$TGT_PORT >"$WORK/tgtd.log" 2>&1 &
        tgt=$!
        pids+=($tgt)
        wait_port $TGT_PORT && break
        kill -9 $tgt 2>/dev/null
        tgt=
        TGT_CTL=$((20000 + RANDOM % 10000))
done
[ -n "$tgt" ] || { echo "tgtd did not start:" >&2; cat "$WORK/tgtd.log" >&2; exit 1; }
tgtadm -C $TGT_CTL --lld iscsi --op new --mode target --tid 1 -T "$IQN"
tgtadm -C $TGT_CTL --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$IMG"
tgtadm -C $TGT_CTL --lld iscsi --op bind --mode target --tid 1 -I ALL
run_suite tgt $tgt $TGT_PORT "$IQN" 1
tgtadm -C $TGT_CTL --op delete --mode system --force >/dev/null 2>&1; sleep 0.5
kill -9 $tgt 2>/dev/null; wait $tgt 2>/dev/null; tgt=   # tgtd ignores SIGTERM

# ---- report ----
ratio() { python3 -c "import sys; a,b=float(sys.argv[1] or 0),float(sys.argv[2] or 0); print(f'{a/b:.2f}' if b else 'n/a')" "$1" "$2"; }
printf "loopback TCP (iperf3, 1 stream): %s MB/s\n\n" "$tcp_mbs"
printf "%-26s %16s %16s %9s %9s %13s\n" "workload" "iscsi-targetd" "tgtd 1.0.85" "ours/tgt" "ours/TCP" "CPU ours/tgt"
for k in r4k:"4 KiB random read QD32" r128k:"128 KiB seq read QD16" r1m:"1 MiB seq read QD16" \
         w4k:"4 KiB random write QD32" w128k:"128 KiB seq write QD16" w1m:"1 MiB seq write QD16"; do
        key=${k%%:*} label=${k#*:}
        read -r oi om <<<"${R[ours,$key]:-0 0}"
        read -r ti tm <<<"${R[tgt,$key]:-0 0}"
        cpu="${C[ours,$key]:-?}%/${C[tgt,$key]:-?}%"
        if [ "$key" = r4k ] || [ "$key" = w4k ]; then
                printf "%-26s %11s IOPS %11s IOPS %9s %9s %13s\n" "$label" "$oi" "$ti" "$(ratio "$oi" "$ti")" "-" "$cpu"
        else
                printf "%-26s %11s MB/s %11s MB/s %9s %9s %13s\n" "$label" "$om" "$tm" "$(ratio "$om" "$tm")" "$(ratio "$om" "$tcp_mbs")" "$cpu"
        fi
done
echo
echo "CPU: the target process's CPU time during the run, in % of one core (client on the same machine)."
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other load skews every figure)"
