#!/usr/bin/env bats
# SendTargets discovery done by iscsiadm itself over TCP (no iscsid, no iscsi_tcp module):
# against Debian's tgtd on loopback and against st-responder (the library's own target-side
# login + SendTargets code) for CHAP, many portals, IPv6 and failures.

load iscsiadm-helpers

setup() {
        setup_root
        TGTD_PID=
        RESP_PID=
}

teardown() {
        stop_responder
        if [ -n "$TGTD_PID" ]; then
                # tgtd ignores SIGTERM while it has targets: ask it to exit, then make sure
                tgtadm -C $CTL --op delete --mode system >/dev/null 2>&1 || true
                for _ in $(seq 20); do kill -0 "$TGTD_PID" 2>/dev/null || break; sleep 0.1; done
                kill -9 "$TGTD_PID" 2>/dev/null || true
                wait "$TGTD_PID" 2>/dev/null || true
        fi
        [ -n "${HANG_PID:-}" ] && kill "$HANG_PID" 2>/dev/null || true
        return 0
}

start_tgtd() {
        command -v tgtd >/dev/null || skip "tgtd (Debian package tgt) not installed"
        PORT=$(free_port)
        # a control port no running tgtd holds (its lock file is flock()ed while it runs), so
        # tgtadm can only ever talk to the tgtd this test started
        for _ in $(seq 20); do
                CTL=$((RANDOM % 30000 + 2000))
                lock=/var/run/tgtd/socket.$CTL.lock
                if [ ! -e "$lock" ] || flock -n "$lock" true; then break; fi
        done
        tgtd -f -C $CTL --iscsi portal=127.0.0.1:$PORT >"$BATS_TEST_TMPDIR/tgtd.log" 2>&1 3>&- &
        TGTD_PID=$!
        for _ in $(seq 100); do
                kill -0 $TGTD_PID 2>/dev/null || { cat "$BATS_TEST_TMPDIR/tgtd.log" >&2; return 1; }
                if tgtadm -C $CTL --lld iscsi --op show --mode target >"$BATS_TEST_TMPDIR/tgt-show" 2>/dev/null; then
                        [ ! -s "$BATS_TEST_TMPDIR/tgt-show" ] || { echo "tgtd on control port $CTL is not ours" >&2; return 1; }
                        return 0
                fi
                sleep 0.05
        done
        return 1
}

tgt() {
        tgtadm -C $CTL --lld iscsi "$@"
}

add_tgt_target() {
        tgt --op new --mode target --tid $1 -T $2
        tgt --op bind --mode target --tid $1 -I ALL
}

@test "tgtd: discovery prints open-iscsi's lines and creates linked node records" {
        start_tgtd
        add_tgt_target 1 iqn.2003-01.org.example:disk1
        add_tgt_target 2 iqn.2003-01.org.example:disk2
        run iscsiadm -m discovery -t sendtargets -p 127.0.0.1:$PORT
        assert_success
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk1
127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk2"
        run iscsiadm -m node
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk1
127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk2"
        [ -f "$ETC/send_targets/127.0.0.1,$PORT/st_config" ]
        [ -L "$ETC/send_targets/127.0.0.1,$PORT/iqn.2003-01.org.example:disk1,127.0.0.1,$PORT,1,default" ]
        run iscsiadm -m node -T iqn.2003-01.org.example:disk1
        assert_line "node.discovery_address = 127.0.0.1"
        assert_line "node.discovery_port = $PORT"
        assert_line "node.discovery_type = send_targets"
        run iscsiadm -m discovery
        assert_output "127.0.0.1:$PORT via sendtargets"
        run iscsiadm -m discoverydb -P 1
        assert_line "DiscoveryAddress: 127.0.0.1,$PORT"
        assert_line "Target: iqn.2003-01.org.example:disk2"
}

@test "tgtd: stale records of that portal are deleted, others kept; -o nonpersistent leaves the DB alone" {
        start_tgtd
        add_tgt_target 1 iqn.2003-01.org.example:disk1
        add_tgt_target 2 iqn.2003-01.org.example:disk2
        iscsiadm -m node -o new -T iqn.2003-01.org.example:static -p 127.0.0.5:3260,1
        iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        iscsiadm -m node -T iqn.2003-01.org.example:disk1 -o update -n node.startup -v automatic
        tgt --op delete --mode target --tid 2
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT -o nonpersistent
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk1"
        run iscsiadm -m node
        assert_line "127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk2"
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT -o new
        # new only: nothing deleted, existing record not rewritten
        run iscsiadm -m node -T iqn.2003-01.org.example:disk1
        assert_line "node.startup = automatic"
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        assert_success
        run iscsiadm -m node
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk1
127.0.0.5:3260,1 iqn.2003-01.org.example:static"
        [ ! -e "$ETC/send_targets/127.0.0.1,$PORT/iqn.2003-01.org.example:disk2,127.0.0.1,$PORT,1,default" ]
}

@test "discoverydb: new, update, show, -D discovers with the stored settings, delete drops its nodes" {
        start_tgtd
        add_tgt_target 1 iqn.2003-01.org.example:disk1
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o new
        assert_output "New discovery record for [127.0.0.1,$PORT] added."
        iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o update -n discovery.sendtargets.timeo.login_timeout -v 7
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o show
        assert_line "discovery.sendtargets.timeo.login_timeout = 7"
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -D
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:disk1"
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o delete
        assert_success
        run iscsiadm -m node
        assert_failure 21
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o show
        assert_failure 6
        assert_output "iscsiadm: Discovery record [127.0.0.1,$PORT] not found."
}

@test "discovery settings come from iscsid.conf; records inherit node defaults" {
        start_tgtd
        add_tgt_target 1 iqn.2003-01.org.example:disk1
        printf 'node.startup = automatic\nnode.session.queue_depth = 8\ndiscovery.sendtargets.timeo.active_timeout = 9\n' > "$ETC/iscsid.conf"
        iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        run iscsiadm -m node -T iqn.2003-01.org.example:disk1
        assert_line "node.startup = automatic"
        assert_line "node.session.queue_depth = 8"
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o show
        assert_line "discovery.sendtargets.timeo.active_timeout = 9"
}

@test "one-way CHAP: right secret discovers, wrong one fails with exit 24" {
        PORT=$(free_port)
        start_responder 127.0.0.1 $PORT -n 2 -u duser -s dsecret123456
        cat > "$ETC/iscsid.conf" <<'CONF'
discovery.sendtargets.auth.authmethod = CHAP
discovery.sendtargets.auth.username = duser
discovery.sendtargets.auth.password = dsecret123456
CONF
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        assert_success
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:t1
127.0.0.1:$PORT,1 iqn.2003-01.org.example:t2"
        # the stored discovery record keeps the secret, 0600, masked in show
        [ "$(stat -c %a "$ETC/send_targets/127.0.0.1,$PORT/st_config")" = 600 ]
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o show
        assert_line "discovery.sendtargets.auth.password = ********"
        iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o update -n discovery.sendtargets.auth.password -v wrongsecret1
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -D
        assert_failure 24
        assert_line "iscsiadm: Could not perform SendTargets discovery: iSCSI login failed due to authorization failure"
        # no CHAP at all against a portal that requires it
        iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o update -n discovery.sendtargets.auth.authmethod -v None
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -D
        assert_failure
        refute_output --partial "iqn.2003-01.org.example:t1"
}

@test "mutual CHAP: the target must prove itself too" {
        PORT=$(free_port)
        start_responder 127.0.0.1 $PORT -u duser -s dsecret123456 -U tuser -S tsecret123456
        iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o new
        for kv in authmethod=CHAP username=duser password=dsecret123456 username_in=tuser password_in=tsecret123456; do
                iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o update -n discovery.sendtargets.auth.${kv%%=*} -v ${kv#*=}
        done
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -D
        assert_success
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:t1"
        iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o update -n discovery.sendtargets.auth.password_in -v notthetarget1
        run iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -D
        # the target failing mutual CHAP: open-iscsi's non-retryable login failure
        assert_failure 19
}

@test "many portals per target, IPv6 portal, records per portal" {
        PORT=$(free_port)
        start_responder ::1 $PORT -n 3 -a 2 -P iqn.2003-01.org.example:v6-
        run iscsiadm -m discovery -t st -p "[::1]:$PORT"
        assert_success
        [ "${#lines[@]}" -eq 6 ]
        assert_line "[::1]:$PORT,1 iqn.2003-01.org.example:v6-1"
        assert_line "[::1]:$((PORT + 1)),2 iqn.2003-01.org.example:v6-3"
        [ -f "$ETC/nodes/iqn.2003-01.org.example:v6-2/::1,$((PORT + 1)),2/default" ]
        [ -f "$ETC/send_targets/::1,$PORT/st_config" ]
        run iscsiadm -m node
        [ "${#lines[@]}" -eq 6 ]
}

@test "a target list with mixed portals: addresses the target advertises are stored, never contacted" {
        PORT=$(free_port)
        printf 'iqn.2003-01.org.example:a 127.0.0.1:%s,1 [fd00::9]:3260,2 10.99.0.1:3260,3\niqn.2003-01.org.example:b\n' "$PORT" > "$BATS_TEST_TMPDIR/list"
        start_responder 127.0.0.1 $PORT -f "$BATS_TEST_TMPDIR/list"
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        assert_success
        assert_output "127.0.0.1:$PORT,1 iqn.2003-01.org.example:a
[fd00::9]:3260,2 iqn.2003-01.org.example:a
10.99.0.1:3260,3 iqn.2003-01.org.example:a
127.0.0.1:$PORT,4294967295 iqn.2003-01.org.example:b"
        # a target without TargetAddress is reached through the discovery portal (legacy file)
        [ -f "$ETC/nodes/iqn.2003-01.org.example:b/127.0.0.1,$PORT" ]
}

@test "connection refused: exit 4; no answer: the login timeout from iscsid.conf applies" {
        PORT=$(free_port)
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        assert_failure 4
        assert_line "iscsiadm: cannot make connection to 127.0.0.1: Connection refused"
        assert_line "iscsiadm: Could not perform SendTargets discovery: encountered connection failure"
        # a listener that accepts and never answers
        python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(5); c=s.accept(); time.sleep(60)' $PORT 3>&- &
        HANG_PID=$!
        for _ in $(seq 50); do python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])))' $PORT 2>/dev/null && break; sleep 0.1; done
        echo "discovery.sendtargets.timeo.login_timeout = 1" > "$ETC/iscsid.conf"
        run timeout 20 "$ISCSIADM" -m discovery -t st -p 127.0.0.1:$PORT
        assert_failure 11
        assert_line --partial "Could not perform SendTargets discovery: iSCSI PDU timed out"
}

@test "our iscsi-targetd: discovery with discovery CHAP (and refused without it)" {
        TD="$BUILD_DIR/iscsi-target/daemon/iscsi-targetd"
        TA="$BUILD_DIR/iscsi-target/admin/iscsi-target"
        [ -x "$TD" ] && [ -x "$TA" ] || skip "iscsi-targetd not built"
        PORT=$(free_port)
        export ISCSI_TARGET_CONFIG="$BATS_TEST_TMPDIR/saveconfig.json" ISCSI_TARGETD_PIDFILE="$BATS_TEST_TMPDIR/targetd.pid"
        IQN=iqn.2003-01.org.example:ours1
        "$TA" -n /backstores/ramdisk create rd1 16M
        "$TA" -n /iscsi create $IQN
        "$TA" -n /iscsi/$IQN/tpg1/portals delete 0.0.0.0 3260
        "$TA" -n /iscsi/$IQN/tpg1/portals create 127.0.0.1 $PORT
        "$TA" -n /iscsi/$IQN/tpg1/luns create /backstores/ramdisk/rd1
        "$TA" -n /iscsi set discovery_auth enable=1 userid=disc password=discsecret123
        "$TD" -f -c "$ISCSI_TARGET_CONFIG" -p "$ISCSI_TARGETD_PIDFILE" -t 1 >"$BATS_TEST_TMPDIR/targetd.log" 2>&1 3>&- &
        RESP_PID=$!     # stopped by teardown
        for _ in $(seq 100); do grep -q listening "$BATS_TEST_TMPDIR/targetd.log" && break; sleep 0.05; done
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        assert_failure 24
        printf 'discovery.sendtargets.auth.authmethod = CHAP\ndiscovery.sendtargets.auth.username = disc\ndiscovery.sendtargets.auth.password = discsecret123\n' > "$ETC/iscsid.conf"
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT
        assert_success
        assert_output "127.0.0.1:$PORT,1 $IQN"
}

@test "discovery -I binds records to each iface; a legacy record of the portal is converted" {
        PORT=$(free_port)
        start_responder 127.0.0.1 $PORT -n 1
        iscsiadm -m iface -I if1 -o new
        iscsiadm -m node -o new -T iqn.2003-01.org.example:t1 -p 127.0.0.1:$PORT
        [ -f "$ETC/nodes/iqn.2003-01.org.example:t1/127.0.0.1,$PORT" ]
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT -I default -I if1
        assert_success
        [ -f "$ETC/nodes/iqn.2003-01.org.example:t1/127.0.0.1,$PORT,1/default" ]
        [ -f "$ETC/nodes/iqn.2003-01.org.example:t1/127.0.0.1,$PORT,1/if1" ]
        [ ! -e "$ETC/nodes/iqn.2003-01.org.example:t1/127.0.0.1,$PORT" ]
        run iscsiadm -m node -P 1
        # open-iscsi 2.1.8 prints the portal again for each record
        assert_output "Target: iqn.2003-01.org.example:t1
	Portal: 127.0.0.1:$PORT,1
		Iface Name: default
	Portal: 127.0.0.1:$PORT,1
		Iface Name: if1"
}

@test "discovery -l logs in to what it found (through iscsid)" {
        PORT=$(free_port)
        start_responder 127.0.0.1 $PORT -n 2
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT -l
        assert_failure 20
        assert_line --index 0 "127.0.0.1:$PORT,1 iqn.2003-01.org.example:t1"
        assert_line "Logging in to [iface: default, target: iqn.2003-01.org.example:t2, portal: 127.0.0.1,$PORT]"
        assert_line "iscsiadm: initiator reported error (20 - could not connect to iscsid)"
        assert_line "iscsiadm: Could not log into all portals"
}

@test "discovery -P 1 prints the tree; nonpersistent with -P 1 writes nothing" {
        PORT=$(free_port)
        start_responder 127.0.0.1 $PORT -n 1 -a 2
        run iscsiadm -m discovery -t st -p 127.0.0.1:$PORT -P 1 -o nonpersistent
        assert_success
        assert_output "Target: iqn.2003-01.org.example:t1
	Portal: 127.0.0.1:$PORT,1
		Iface Name: default
	Portal: 127.0.0.1:$((PORT + 1)),2
		Iface Name: default"
        [ ! -e "$ETC/nodes" ]
        [ ! -e "$ETC/send_targets" ]
}
