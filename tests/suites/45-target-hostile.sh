#!/usr/bin/env bash
# iscsi-targetd against a hostile initiator (tests/interop/hostile/iscsi-hostile): unknown
# opcodes, oversized and 16 MiB data segments, bad digests, out-of-window CmdSN, login key
# floods, unknown keys, logins in the wrong stage, commands before/during login, truncated
# PDUs, 200 silent connections. One normal session stays open throughout and must still work
# at the end, also when connections exhaust its file descriptors; every incident must be logged once with the peer (and the initiator name when
# known) and a reason; the daemon's RSS must not grow over repeated rounds (leak check, not a
# timing check); finally the same cases once more against an ASan/UBSan build of the daemon.
# Only 127.0.0.1 and free ports are used. Wall time: about 55-85 s on 2 cores (ASan build of the
# daemon and client included; HOSTILE_ASAN_BUILD_DIR reuses one). HOSTILE_LOOP_ROUNDS: leak rounds.
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}" "${OUT_DIR:?}"
mkdir -p "$OUT_DIR"

TARGETD=$BUILD_DIR/iscsi-target/daemon/iscsi-targetd
HOSTILE=$BUILD_DIR/tests/interop/hostile/iscsi-hostile
P=iqn.2026-11.org.iscsi-tools.hostile
TARGET=$P:disk
CHAP_TARGET=$P:chapdisk
ATTACKER=$P:attacker
KEEPER=$P:keeper
PROBE=$P:probe
CHAP_INIT=$P:chap-init
LOOP_ROUNDS=${HOSTILE_LOOP_ROUNDS:-100}
RSS_BOUND_KIB=$((20 * 1024))
HWM_BOUND_KIB=$((8 * 1024))
LOG=$OUT_DIR/45-targetd.log
CMDLOG=$OUT_DIR/45-commands.log
: >"$CMDLOG"

# tap, tap_lines, free_port, wait_port, stop_pid
. "$SRC_DIR/tests/lib/suite.sh"

for f in "$TARGETD" "$HOSTILE"; do
        if [ ! -x "$f" ]; then
                tap not-ok "built: $f" "missing (ninja -C \$BUILD_DIR)"
                echo "1..$N"
                exit 1
        fi
done

WORK=$(mktemp -d /tmp/targetd-hostile.XXXXXX)
PID=
KEEPER_PID=
HALF_PID=
cleanup() {
        stop_pid "$HALF_PID"
        stop_pid "$KEEPER_PID"
        stop_pid "$PID"
        rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_exit() {   # wait_exit PID SECONDS: its exit status, 124 (and killed) if it is still running
        for _ in $(seq $(($2 * 10))); do
                kill -0 "$1" 2>/dev/null || { wait "$1"; return; }
                sleep 0.1
        done
        stop_pid "$1"
        wait "$1" 2>/dev/null
        return 124
}
kib() {   # kib PID FIELD: VmRSS / VmHWM in KiB
        awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

write_config() {   # write_config PORT
        cat >"$WORK/saveconfig.json" <<EOF
{
  "fabric_modules": [],
  "storage_objects": [
    { "plugin": "ramdisk", "name": "hostile0", "size": 16777216, "attributes": {} },
    { "plugin": "ramdisk", "name": "hostile1", "size": 8388608, "attributes": {} }
  ],
  "targets": [
    { "wwn": "$TARGET", "fabric": "iscsi", "tpgs": [ {
        "tag": 1, "enable": true,
        "attributes": { "authentication": 0, "generate_node_acls": 0, "demo_mode_write_protect": 1 },
        "parameters": {},
        "luns": [ { "index": 0, "storage_object": "/backstores/ramdisk/hostile0" } ],
        "portals": [ { "ip_address": "127.0.0.1", "iser": false, "offload": false, "port": $1 } ],
        "node_acls": [
          { "node_wwn": "$ATTACKER", "attributes": {}, "mapped_luns": [ { "index": 0, "tpg_lun": 0, "write_protect": false } ] },
          { "node_wwn": "$KEEPER", "attributes": {}, "mapped_luns": [ { "index": 0, "tpg_lun": 0, "write_protect": false } ] },
          { "node_wwn": "$PROBE", "attributes": {}, "mapped_luns": [ { "index": 0, "tpg_lun": 0, "write_protect": false } ] }
        ] } ] },
    { "wwn": "$CHAP_TARGET", "fabric": "iscsi", "tpgs": [ {
        "tag": 1, "enable": true,
        "attributes": { "authentication": 0, "generate_node_acls": 0, "demo_mode_write_protect": 1 },
        "parameters": {},
        "luns": [ { "index": 0, "storage_object": "/backstores/ramdisk/hostile1" } ],
        "portals": [ { "ip_address": "127.0.0.1", "iser": false, "offload": false, "port": $1 } ],
        "node_acls": [
          { "node_wwn": "$CHAP_INIT", "attributes": {}, "chap_userid": "hostileuser", "chap_password": "hostilesecret1",
            "mapped_luns": [ { "index": 0, "tpg_lun": 0, "write_protect": false } ] }
        ] } ] }
  ]
}
EOF
}

start_daemon() {   # start_daemon BINARY LOGFILE: sets PID, PORT
        PORT=$(free_port)
        write_config "$PORT"
        "$1" -f -c "$WORK/saveconfig.json" -p "" -t 2 >"$2" 2>&1 &
        PID=$!
        wait_port "$PORT"
}

hostile() {   # hostile ARGS...: the client against the running daemon
        "$HOSTILE" -p "$PORT" -t "$TARGET" -i "$ATTACKER" -T "$CHAP_TARGET" -I "$CHAP_INIT" "$@"
}

# Log lines about one incident: from the peer, with a reason matching the case's pattern.
declare -A REASON=(
        [unknown-opcode]='opcode'
        [mrdsl-nop]='exceed|data segment|MaxRecvDataSegmentLength'
        [mrdsl-write]='exceed|data segment|MaxRecvDataSegmentLength'
        [huge-login]='login PDU with|data segment|exceed'
        [huge-nop]='data segment|exceed'
        [huge-scsi]='data segment|exceed'
        [huge-dataout]='data segment|exceed|Data-Out'
        [header-digest]='header digest'
        [data-digest]='data digest'
        [cmdsn-window]='CmdSN'
        [login-in-ffp]='Login'
        [snack]='SNACK'
        [bad-ahs]='AHS'
        [text-flood]='Text'
        [dup-itt]='ITT'
        [key-flood]='login.*(fail|abort)|text|long'
        [stage-skip-auth]='login.*fail|stage|invalid'
        [stage-nsg]='login.*fail|stage|invalid|transit'
        [stage-ffp-without-auth]='login.*fail|stage|invalid|auth'
        [stage-reserved]='login|stage|invalid'
        [scsi-before-login]='login|invalid|opcode|SCSI'
        [scsi-during-login]='login|invalid|opcode|SCSI'
)
check_incident_logs() {   # check_incident_logs PEERS_FILE LOG
        local case peer iqn lines n pat
        while read -r case peer iqn; do
                pat=${REASON[$case]:-.}
                # a connection's closing count of data digest errors is a statistic, not a
                # second report of the incident (netem's digest steps count flips by it)
                lines=$(grep -E "(^|[ (])${peer//./\\.}([: )]|$)" "$2" | grep -Ei -- "$pat" |
                        grep -v ': connection closed after [0-9]* data digest errors$')
                n=$(grep -c . <<<"$lines")
                local name="log: $case from $peer logged once with the peer${iqn:+ and initiator} and a reason"
                [ "$iqn" = - ] && name="log: $case from $peer logged once with the peer and a reason"
                if [ "$n" -ne 1 ]; then
                        tap not-ok "$name" "$n matching lines: $(tr '\n' '|' <<<"$lines" | cut -c1-300)"
                elif [ "$iqn" != - ] && ! grep -qF -- "$iqn" <<<"$lines"; then
                        tap not-ok "$name" "initiator $iqn not named: $lines"
                elif [ "$case" = data-digest ] &&
                     [ "$(grep -cE "^[0-9.]+ iscsi-targetd: ${peer//./\\.}: connection closed after 1 data digest errors$" "$2")" != 1 ]; then
                        tap not-ok "$name" "its connection's close does not count exactly 1 data digest error"
                else
                        tap ok "$name"
                fi
        done <"$1"
}

SINGLE_CASES=(unknown-opcode mrdsl-nop mrdsl-write huge-dataout header-digest data-digest cmdsn-window
        login-in-ffp snack bad-ahs text-flood dup-itt
        key-flood-64k key-flood unknown-keys stage-skip-auth stage-nsg stage-ffp-without-auth
        stage-reserved scsi-before-login scsi-during-login truncated)

# ---------------- the daemon as built ----------------
if start_daemon "$TARGETD" "$LOG"; then
        tap ok "iscsi-targetd listens on 127.0.0.1:$PORT"
else
        tap not-ok "iscsi-targetd listens on 127.0.0.1:$PORT" "see $LOG"
        tail -20 "$LOG" >&2
        echo "1..$N"
        exit 1
fi

# One normal session kept open through everything.
mkfifo "$WORK/keep.in" "$WORK/keep.out" "$WORK/half.in" "$WORK/half.out"
"$HOSTILE" -p "$PORT" -t "$TARGET" -i "$KEEPER" hold <"$WORK/keep.in" >"$WORK/keep.out" 2>>"$CMDLOG" &
KEEPER_PID=$!
exec {KEEP_IN}>"$WORK/keep.in" {KEEP_OUT}<"$WORK/keep.out"
if read -r -t 10 -u "$KEEP_OUT" line && [ "$line" = ready ]; then
        tap ok "a normal session logs in and stays open"
else
        tap not-ok "a normal session logs in and stays open" "${line:-no answer}"
fi

# 16 MiB announcements first, while the daemon's peak RSS is still low.
PEERS=$WORK/peers
: >"$PEERS"
hwm0=$(kib "$PID" VmHWM)
tap_lines < <(hostile -P "$PEERS" run huge-login huge-nop huge-scsi 2>>"$CMDLOG")
hwm1=$(kib "$PID" VmHWM)
if [ -n "$hwm0" ] && [ -n "$hwm1" ] && [ $((hwm1 - hwm0)) -lt $HWM_BOUND_KIB ]; then
        tap ok "16 MiB data segments announced: peak RSS grew by $((hwm1 - hwm0)) KiB (< $HWM_BOUND_KIB)"
else
        tap not-ok "16 MiB data segments announced: peak RSS grew by less than $HWM_BOUND_KIB KiB" "VmHWM $hwm0 -> $hwm1 KiB"
fi

tap_lines < <(hostile -P "$PEERS" run "${SINGLE_CASES[@]}" 2>>"$CMDLOG")

# 200 connections that never send anything; a normal client must still be served.
"$HOSTILE" -p "$PORT" -t "$TARGET" -i "$PROBE" halfopen 200 <"$WORK/half.in" >"$WORK/half.out" 2>>"$CMDLOG" &
HALF_PID=$!
exec {HALF_IN}>"$WORK/half.in" {HALF_OUT}<"$WORK/half.out"
while read -r -t 30 -u "$HALF_OUT" line; do
        [ "$line" = ready ] && break
        tap_lines <<<"$line"
done
if command -v iscsi-inq >/dev/null && command -v iscsi-ls >/dev/null; then
        if timeout 20 iscsi-inq -i "$PROBE" "iscsi://127.0.0.1:$PORT/$TARGET/0" >>"$CMDLOG" 2>&1; then
                tap ok "iscsi-inq is served while 200 connections stay silent"
        else
                tap not-ok "iscsi-inq is served while 200 connections stay silent" "see $CMDLOG"
        fi
        out=$(timeout 20 iscsi-ls -i "$PROBE" "iscsi://127.0.0.1:$PORT" 2>&1)
        echo "$out" >>"$CMDLOG"
        if grep -q "Target:$TARGET " <<<"$out"; then
                tap ok "iscsi-ls is served while 200 connections stay silent"
        else
                tap not-ok "iscsi-ls is served while 200 connections stay silent" "$(tr '\n' ' ' <<<"$out" | cut -c1-200)"
        fi
else
        tap skip "iscsi-inq / iscsi-ls with 200 silent connections" "libiscsi-bin not installed"
fi
exec {HALF_IN}>&- {HALF_OUT}<&-
wait_exit "$HALF_PID" 10
HALF_PID=

# Each incident of the single cases logged once, with the peer, the initiator and a reason.
cp "$LOG" "$WORK/log-single"
check_incident_logs "$PEERS" "$WORK/log-single"

# Leak check: the whole hostile loop, repeated. One warm-up round settles the allocator.
hostile loop 1 >>"$CMDLOG" 2>&1
rss0=$(kib "$PID" VmRSS)
hostile loop "$LOOP_ROUNDS" >>"$CMDLOG" 2>&1
sleep 1
rss1=$(kib "$PID" VmRSS)
if [ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt $RSS_BOUND_KIB ]; then
        tap ok "RSS after $LOOP_ROUNDS hostile rounds: $rss0 -> $rss1 KiB (bound +$RSS_BOUND_KIB)"
else
        tap not-ok "RSS after $LOOP_ROUNDS hostile rounds stays within +$RSS_BOUND_KIB KiB" "VmRSS $rss0 -> $rss1 KiB"
fi

# The normal session carried on through all of it.
echo check >&"$KEEP_IN"
if read -r -t 15 -u "$KEEP_OUT" line && [ "$line" = ok ]; then
        tap ok "the normal session opened first still works (NOP-Out, TEST UNIT READY)"
else
        tap not-ok "the normal session opened first still works" "${line:-no answer}"
fi
exec {KEEP_IN}>&-
wait_exit "$KEEPER_PID" 10; rc=$?
KEEPER_PID=
if [ $rc -eq 0 ]; then tap ok "the normal session logs out cleanly"; else tap not-ok "the normal session logs out cleanly" "exit $rc"; fi

if kill -0 "$PID" 2>/dev/null && command -v iscsi-inq >/dev/null &&
   timeout 20 iscsi-inq -i "$PROBE" "iscsi://127.0.0.1:$PORT/$TARGET/0" >>"$CMDLOG" 2>&1; then
        tap ok "the daemon is alive and serves iscsi-inq after everything"
elif kill -0 "$PID" 2>/dev/null && ! command -v iscsi-inq >/dev/null; then
        tap skip "the daemon serves iscsi-inq after everything" "libiscsi-bin not installed"
else
        tap not-ok "the daemon is alive and serves iscsi-inq after everything" "see $LOG"
fi

kill -TERM "$PID"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
        tap not-ok "SIGTERM stops the daemon" "still running after 5 s"
        stop_pid "$PID"
else
        wait "$PID"; rc=$?
        if [ $rc -eq 0 ]; then tap ok "SIGTERM stops the daemon cleanly"; else tap not-ok "SIGTERM stops the daemon cleanly" "exit $rc"; fi
fi
PID=

# ---------------- more connections than the daemon has file descriptors ----------------
# With RLIMIT_NOFILE 64, 100 silent connections exhaust the daemon's descriptors: accept()
# fails with EMFILE. That must be logged a bounded number of times (not once per wakeup of a
# listener that stays readable), and the daemon must serve again once the flood is gone.
FLOOD_LOG=$OUT_DIR/45-targetd-fdlimit.log
PORT=$(free_port)
write_config "$PORT"
(ulimit -n 64 && exec "$TARGETD" -f -c "$WORK/saveconfig.json" -p "" -t 2 >"$FLOOD_LOG" 2>&1) &
PID=$!
if wait_port "$PORT"; then
        hostile flood 100 1500 >>"$CMDLOG" 2>&1
        sleep 0.5
        n=$(grep -c "accept failed" "$FLOOD_LOG")
        if [ "$n" -le 10 ]; then
                tap ok "descriptor exhaustion (100 connections, limit 64): $n accept errors logged (<= 10)"
        else
                tap not-ok "descriptor exhaustion (100 connections, limit 64): accept errors logged at most 10 times" \
                        "$n lines in 2 s (the listener spins on EMFILE)"
        fi
        if ! command -v iscsi-inq >/dev/null; then
                tap skip "the daemon serves again after the descriptor exhaustion" "libiscsi-bin not installed"
        elif timeout 20 iscsi-inq -i "$PROBE" "iscsi://127.0.0.1:$PORT/$TARGET/0" >>"$CMDLOG" 2>&1; then
                tap ok "the daemon serves again after the descriptor exhaustion"
        else
                tap not-ok "the daemon serves again after the descriptor exhaustion" "see $FLOOD_LOG"
        fi
else
        tap not-ok "iscsi-targetd starts with RLIMIT_NOFILE 64" "see $FLOOD_LOG"
fi
stop_pid "$PID"
wait "$PID" 2>/dev/null
PID=
# Keep the evidence, not a log of a million identical lines.
if [ "$(wc -l <"$FLOOD_LOG")" -gt 2000 ]; then
        { head -n 1000 "$FLOOD_LOG"; echo "... $(wc -l <"$FLOOD_LOG") lines in total, trimmed"; } >"$FLOOD_LOG.trim"
        mv "$FLOOD_LOG.trim" "$FLOOD_LOG"
fi

# ---------------- once more under ASan/UBSan ----------------
ASAN_BUILD=${HOSTILE_ASAN_BUILD_DIR:-$OUT_DIR/build-hostile-asan}
ASAN_LOG=$OUT_DIR/45-targetd-asan.log
if [ ! -f "$ASAN_BUILD/build.ninja" ]; then
        meson setup "$ASAN_BUILD" "$SRC_DIR" -Db_sanitize=address,undefined -Db_lundef=false >>"$CMDLOG" 2>&1
fi
if ninja -C "$ASAN_BUILD" iscsi-target/daemon/iscsi-targetd tests/interop/hostile/iscsi-hostile >>"$CMDLOG" 2>&1; then
        HOSTILE=$ASAN_BUILD/tests/interop/hostile/iscsi-hostile     # the client under ASan too
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
        export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
        if start_daemon "$ASAN_BUILD/iscsi-target/daemon/iscsi-targetd" "$ASAN_LOG"; then
                hostile loop 1 >"$OUT_DIR/45-hostile-asan.log" 2>&1
                hostile run huge-dataout >>"$OUT_DIR/45-hostile-asan.log" 2>&1
                kill -TERM "$PID"
                for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
                stop_pid "$PID"
                wait "$PID"; rc=$?
                PID=
                if [ $rc -eq 0 ] && ! grep -q "AddressSanitizer\|LeakSanitizer\|runtime error" "$ASAN_LOG" &&
                   ! grep -q "AddressSanitizer\|LeakSanitizer\|runtime error" "$OUT_DIR/45-hostile-asan.log"; then
                        tap ok "ASan/UBSan builds of the daemon and the client: every hostile case once, clean exit, no report"
                else
                        tap not-ok "ASan/UBSan builds of the daemon and the client: every hostile case once, clean exit, no report" \
                                "exit $rc; $(cat "$ASAN_LOG" "$OUT_DIR/45-hostile-asan.log" | grep -m3 "ERROR\|runtime error\|SUMMARY" | tr '\n' ' ' | cut -c1-300)"
                fi
        else
                tap not-ok "ASan/UBSan build of the daemon starts" "see $ASAN_LOG"
        fi
        unset ASAN_OPTIONS UBSAN_OPTIONS
else
        tap not-ok "ASan/UBSan build of the daemon" "build failed, see $CMDLOG"
fi

echo "1..$N"
