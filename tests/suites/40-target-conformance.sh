#!/usr/bin/env bash
# iscsi-targetd conformance and interop: libiscsi's iscsi-test-cu (families SCSI and iSCSI,
# --dataloss; one TAP line per conformance test), iscsi-ls / iscsi-inq with and without
# CHAP, ACL LUN masking, write protection, discovery CHAP, reload without dropping sessions,
# and hostile input. Runs the daemon on 127.0.0.1 and a free port; nothing else is contacted.
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}" "${OUT_DIR:?}"
mkdir -p "$OUT_DIR"

TARGETD=$BUILD_DIR/iscsi-target/daemon/iscsi-targetd
INTEROP=$SRC_DIR/tests/interop
P=iqn.2026-11.org.iscsi-tools.test
LIBISCSI=iqn.2007-10.com.github:sahlberg:libiscsi
# tap, tap_lines, free_port, wait_port, stop_pid
. "$SRC_DIR/tests/lib/suite.sh"
check() {   # check NAME COMMAND...: ok if the command succeeds
        local name=$1; shift
        if "$@" >>"$OUT_DIR/40-target-commands.log" 2>&1; then tap ok "$name"; else tap not-ok "$name" "command failed: $*"; fi
}
check_fails() {
        local name=$1; shift
        if "$@" >>"$OUT_DIR/40-target-commands.log" 2>&1; then tap not-ok "$name" "command succeeded: $*"; else tap ok "$name"; fi
}

if [ ! -x "$TARGETD" ]; then
        tap not-ok "iscsi-targetd is built" "$TARGETD missing"
        exit 1
fi

WORK=$(mktemp -d /tmp/targetd-conf.XXXXXX)
PID=
cleanup() {
        stop_pid "$PID"
        rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(free_port)
PORT2=$(free_port)
PORT6=$(free_port)
MPPORT=$(free_port)     # TPG 2 of the conformance target: the second path to its LU
python3 "$INTEROP/target-config.py" "$WORK" "$PORT" --ipv6-portal "$PORT6" --multipath "$MPPORT"
echo "# config in $WORK, port $PORT" >&2

"$TARGETD" -f -d -c "$WORK/saveconfig.json" --pidfile "$WORK/targetd.pid" -t 2 \
        >"$OUT_DIR/40-targetd.log" 2>&1 &
PID=$!
if wait_port "$PORT"; then
        tap ok "iscsi-targetd starts and listens on 127.0.0.1:$PORT"
else
        tap not-ok "iscsi-targetd starts and listens on 127.0.0.1:$PORT" "see 40-targetd.log"
        tail -20 "$OUT_DIR/40-targetd.log" >&2
        exit 1
fi
URL=iscsi://127.0.0.1:$PORT

# ---- libiscsi conformance ----
if command -v iscsi-test-cu >/dev/null; then
        for family in SCSI iSCSI; do
                log=$OUT_DIR/40-iscsi-test-cu-$family.log
                # Two paths to one LU (TPG 1 and TPG 2, ALUA groups active/optimized and
                # active/non-optimized): the MultipathIO suite uses the second.
                timeout 600 iscsi-test-cu --dataloss -v -t "$family" "$URL/$P:conf/0" \
                        "iscsi://127.0.0.1:$MPPORT/$P:conf/0" >"$log" 2>&1
                tap_lines < <(python3 "$INTEROP/target-cunit-tap.py" "$family" "$log")
        done
        # A write-protected mapping: the ReadOnly suite needs one.
        log=$OUT_DIR/40-iscsi-test-cu-readonly.log
        timeout 120 iscsi-test-cu --dataloss -v -i "$P:chap-init" -t SCSI.ReadOnly \
                "iscsi://chapuser%chapsecret123@127.0.0.1:$PORT/$P:chap/1" >"$log" 2>&1
        tap_lines < <(python3 "$INTEROP/target-cunit-tap.py" "SCSI-writeprotected" "$log")
else
        tap skip "libiscsi iscsi-test-cu conformance" "iscsi-test-cu not installed (Debian libiscsi-bin)"
fi

# ---- multipath: one LU through two portals (two TPGs), the same identity on both ----
if command -v iscsi-inq >/dev/null; then
        mp_ok=true
        for page in 128 131; do        # VPD 0x80 unit serial, 0x83 device identification
                a=$(iscsi-inq -i "$LIBISCSI:iscsi-test" -e 1 -c "$page" "$URL/$P:conf/0" 2>&1)
                b=$(iscsi-inq -i "$LIBISCSI:iscsi-test" -e 1 -c "$page" "iscsi://127.0.0.1:$MPPORT/$P:conf/0" 2>&1)
                printf '%s\n--- path 2 ---\n%s\n' "$a" "$b" >>"$OUT_DIR/40-target-commands.log"
                if [ "$page" = 128 ]; then
                        [ -n "$a" ] && [ "$a" = "$b" ] || mp_ok=false
                else
                        # the logical unit's NAA designator is the same, the target port's differ
                        lu_a=$(grep -a -A1 "Designator Type:(3) NAA" <<<"$a")
                        lu_b=$(grep -a -A1 "Designator Type:(3) NAA" <<<"$b")
                        [ -n "$lu_a" ] && [ "$lu_a" = "$lu_b" ] && [ "$a" != "$b" ] || mp_ok=false
                fi
        done
        if $mp_ok; then tap ok "multipath: both portals report the same unit serial and NAA (VPD 0x80, 0x83)"
        else tap not-ok "multipath: both portals report the same unit serial and NAA (VPD 0x80, 0x83)" "see 40-target-commands.log"; fi
        if grep -q "found matching" "$OUT_DIR/40-iscsi-test-cu-SCSI.log" 2>/dev/null &&
           grep -q "Suite: MultipathIO" "$OUT_DIR/40-iscsi-test-cu-SCSI.log"; then
                tap ok "multipath: iscsi-test-cu recognised the two URLs as paths to one LU"
        else
                tap not-ok "multipath: iscsi-test-cu recognised the two URLs as paths to one LU" "no 'found matching' in 40-iscsi-test-cu-SCSI.log"
        fi
else
        tap skip "multipath identity" "iscsi-inq not installed (Debian libiscsi-bin)"
fi

# ---- discovery, login, CHAP, ACLs with libiscsi's tools ----
if command -v iscsi-ls >/dev/null && command -v iscsi-inq >/dev/null; then
        out=$(iscsi-ls -i "$P:plain-init" "$URL" 2>&1)
        echo "$out" >>"$OUT_DIR/40-target-commands.log"
        if grep -q "Target:$P:conf Portal:127.0.0.1:$PORT,1" <<<"$out" &&
           grep -q "Target:$P:chap Portal:127.0.0.1:$PORT,1" <<<"$out" &&
           grep -q "Target:$P:hidden" <<<"$out"; then
                tap ok "iscsi-ls: SendTargets lists every target with its portal"
        else
                tap not-ok "iscsi-ls: SendTargets lists every target with its portal" "$(tr '\n' ' ' <<<"$out")"
        fi

        out=$(iscsi-ls -s -i "$P:chap-init" "iscsi://chapuser%chapsecret123@127.0.0.1:$PORT" 2>&1)
        echo "$out" >>"$OUT_DIR/40-target-commands.log"
        if awk "/Target:$P:chap /{t=1;next} /Target:/{t=0} t" <<<"$out" | grep -q "Lun:0" &&
           awk "/Target:$P:chap /{t=1;next} /Target:/{t=0} t" <<<"$out" | grep -q "Lun:1"; then
                tap ok "iscsi-ls -s with CHAP: the ACL's two LUNs are listed"
        else
                tap not-ok "iscsi-ls -s with CHAP: the ACL's two LUNs are listed" "$(tr '\n' ' ' <<<"$out")"
        fi

        out=$(iscsi-ls -s -i "$P:plain-init" "$URL" 2>&1)
        echo "$out" >>"$OUT_DIR/40-target-commands.log"
        sect=$(awk "/Target:$P:chap /{t=1;next} /Target:/{t=0} t" <<<"$out")
        if grep -q "Lun:0" <<<"$sect" && ! grep -q "Lun:1" <<<"$sect"; then
                tap ok "iscsi-ls -s without CHAP: an ACL sees only its mapped LUN"
        else
                tap not-ok "iscsi-ls -s without CHAP: an ACL sees only its mapped LUN" "$(tr '\n' ' ' <<<"$out")"
        fi

        check "iscsi-inq with one-way CHAP" \
                iscsi-inq -i "$P:chap-init" "iscsi://chapuser%chapsecret123@127.0.0.1:$PORT/$P:chap/0"
        check_fails "iscsi-inq with a wrong CHAP secret is refused" \
                iscsi-inq -i "$P:chap-init" "iscsi://chapuser%wrongsecret99@127.0.0.1:$PORT/$P:chap/0"
        check_fails "iscsi-inq without CHAP to an ACL with CHAP is refused" \
                iscsi-inq -i "$P:chap-init" "$URL/$P:chap/0"
        check "iscsi-inq without CHAP to an ACL without CHAP" \
                iscsi-inq -i "$P:plain-init" "$URL/$P:chap/0"
        check_fails "iscsi-inq from an initiator without ACL is refused" \
                iscsi-inq -i "$P:plain-init" "$URL/$P:hidden/0"
        check_fails "iscsi-inq to an unknown target fails" \
                iscsi-inq -i "$P:plain-init" "$URL/$P:nonexistent/0"
        check_fails "iscsi-inq to a LUN outside the ACL's map fails" \
                iscsi-inq -i "$P:plain-init" "$URL/$P:chap/1"
        out=$(iscsi-inq -i "$LIBISCSI:iscsi-test" "$URL/$P:conf/0" 2>&1)
        if grep -qi "LIO-ORG\|iscsi-tools\|Vendor" <<<"$out"; then
                tap ok "iscsi-inq: standard INQUIRY data of a fileio LUN"
        else
                tap not-ok "iscsi-inq: standard INQUIRY data of a fileio LUN" "$(tr '\n' ' ' <<<"$out")"
        fi
        # Mutual CHAP through libiscsi's URL arguments.
        check "iscsi-inq with mutual CHAP" \
                iscsi-inq -i "$P:mutual-init" \
                "iscsi://muser%msecret12345@127.0.0.1:$PORT/$P:chap/0?target_user=tuser&target_password=tsecret12345"
        check_fails "iscsi-inq with mutual CHAP and a wrong target secret is refused" \
                iscsi-inq -i "$P:mutual-init" \
                "iscsi://muser%msecret12345@127.0.0.1:$PORT/$P:chap/0?target_user=tuser&target_password=notthesecret1"
else
        tap skip "iscsi-ls / iscsi-inq interop" "libiscsi-bin tools not installed"
fi

if ! command -v iscsi-ls >/dev/null; then
        tap skip "IPv6 portal [::1]: discovery and login" "libiscsi-bin tools not installed"
elif python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
        out=$(iscsi-ls -i "$P:plain-init" "iscsi://[::1]:$PORT6" 2>&1)
        echo "$out" >>"$OUT_DIR/40-target-commands.log"
        if grep -q "Target:$P:chap Portal:\[::1\]:$PORT6,1" <<<"$out" &&
           iscsi-inq -i "$P:plain-init" "iscsi://[::1]:$PORT6/$P:chap/0" >>"$OUT_DIR/40-target-commands.log" 2>&1; then
                tap ok "IPv6 portal [::1]: discovery and login"
        else
                tap not-ok "IPv6 portal [::1]: discovery and login" "$(tr '\n' ' ' <<<"$out")"
        fi
else
        tap skip "IPv6 portal [::1]: discovery and login" "no IPv6 loopback on this machine"
fi

# ---- hostile input ----
tap_lines < <(python3 "$INTEROP/target-badinput.py" "$PORT" "$P:conf" "$LIBISCSI:iscsi-test" "$P:chap" "$P:chap-init" "$P:ping-init" \
        "$WORK" "$WORK/targetd.pid" "$P:plain-init")
if kill -0 "$PID" 2>/dev/null && command -v iscsi-inq >/dev/null &&
   iscsi-inq -i "$P:plain-init" "$URL/$P:chap/0" >>"$OUT_DIR/40-target-commands.log" 2>&1; then
        tap ok "daemon still serves after the hostile input"
else
        tap not-ok "daemon still serves after the hostile input" "daemon gone or not answering"
fi
bad_lines=$(grep -c "unknown opcode as\|invalid PDU during login\|data segment of\|header digest error" "$OUT_DIR/40-targetd.log" || true)
if [ "$bad_lines" -ge 1 ]; then
        tap ok "hostile input is logged with the peer and the reason"
else
        tap not-ok "hostile input is logged with the peer and the reason" "no log lines found"
fi

# ---- reload: new target and portal, discovery CHAP; a running session survives ----
if command -v iscsi-perf >/dev/null && command -v iscsi-ls >/dev/null; then
        timeout 30 iscsi-perf -i "$P:plain-init" -t 6 -m 4 -b 8 "$URL/$P:chap/0" \
                >"$WORK/perf.log" 2>&1 &
        perf=$!
        sleep 2
        python3 "$INTEROP/target-config.py" "$WORK" "$PORT" --extra-portal "$PORT2" --extra-target --discovery-auth --multipath "$MPPORT"
        kill -HUP "$PID"
        if wait_port "$PORT2"; then tap ok "reload: a new portal starts listening"; else tap not-ok "reload: a new portal starts listening" "port $PORT2 closed"; fi
        check_fails "reload: discovery CHAP now refuses SendTargets without credentials" \
                iscsi-ls -i "$P:plain-init" "$URL"
        out=$(iscsi-ls -i "$P:plain-init" "iscsi://discuser%discsecret12@127.0.0.1:$PORT2" 2>&1)
        echo "$out" >>"$OUT_DIR/40-target-commands.log"
        if grep -q "Target:$P:added" <<<"$out"; then tap ok "reload: discovery CHAP works and the new target is listed"
        else tap not-ok "reload: discovery CHAP works and the new target is listed" "$(tr '\n' ' ' <<<"$out")"; fi
        check "reload: the new target serves its LUN" iscsi-inq -i "$P:plain-init" "iscsi://127.0.0.1:$PORT2/$P:added/0"
        wait "$perf"
        rc=$?
        if [ $rc -eq 0 ] && ! grep -qi "reconnect\|error" "$WORK/perf.log"; then
                tap ok "reload: a session doing I/O across the reload is not dropped"
        else
                tap not-ok "reload: a session doing I/O across the reload is not dropped" "iscsi-perf exit $rc: $(tail -c 300 "$WORK/perf.log" | tr '\r\n' '  ')"
        fi
        python3 "$INTEROP/target-config.py" "$WORK" "$PORT" --multipath "$MPPORT"
        kill -HUP "$PID"
        sleep 1
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$PORT2") 2>/dev/null; then tap ok "reload: a removed portal stops listening"
        else tap not-ok "reload: a removed portal stops listening" "port $PORT2 still open"; fi
else
        tap skip "reload checks" "iscsi-perf / iscsi-ls not installed"
fi

# ---- the admin CLI edits the file and signals the running daemon ----
CLI=$BUILD_DIR/iscsi-target/admin/iscsi-target
if [ -x "$CLI" ] && command -v iscsi-inq >/dev/null; then
        T=$P:cli
        cli() { "$CLI" -c "$WORK/saveconfig.json" -p "$WORK/targetd.pid" "$@" >>"$OUT_DIR/40-target-commands.log" 2>&1; }
        # -n (no reload) until the portal is on 127.0.0.1: never listen on the default 0.0.0.0:3260.
        if cli -n /backstores/ramdisk create clidisk 16M && cli -n /iscsi create "$T" &&
           { cli -n "/iscsi/$T/tpg1/portals" delete 0.0.0.0 3260 || true; } &&
           cli -n "/iscsi/$T/tpg1/portals" create 127.0.0.1 "$PORT" &&
           cli -n "/iscsi/$T/tpg1/luns" create /backstores/ramdisk/clidisk &&
           cli "/iscsi/$T/tpg1/acls" create "$P:plain-init"; then
                sleep 0.5
                check "iscsi-target CLI: a target created with the CLI is served after its reload" \
                        iscsi-inq -i "$P:plain-init" "$URL/$T/0"
                cli "/iscsi/$T/tpg1/acls/$P:plain-init" set auth userid=cliuser password=clisecret123
                sleep 0.5
                check_fails "iscsi-target CLI: CHAP set on the ACL is required by the next login" \
                        iscsi-inq -i "$P:plain-init" "$URL/$T/0"
                check "iscsi-target CLI: the CHAP credentials set with the CLI work" \
                        iscsi-inq -i "$P:plain-init" "iscsi://cliuser%clisecret123@127.0.0.1:$PORT/$T/0"
        else
                tap not-ok "iscsi-target CLI: building a target with the CLI" "see 40-target-commands.log"
        fi
else
        tap skip "iscsi-target CLI with the running daemon" "iscsi-target not built or iscsi-inq missing"
fi

# ---- orderly shutdown ----
kill -TERM "$PID"
for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
        tap not-ok "SIGTERM stops the daemon" "still running after 5 s"
else
        wait "$PID"; rc=$?
        if [ $rc -eq 0 ]; then tap ok "SIGTERM stops the daemon cleanly"; else tap not-ok "SIGTERM stops the daemon cleanly" "exit $rc"; fi
        PID=
fi
echo "1..$N"
