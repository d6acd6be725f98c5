#!/usr/bin/env bats
# Session mode reads sessions from sysfs; here a fake tree under ISCSI_SYSFS_ROOT stands in
# for the kernel's scsi_transport_iscsi classes.

load iscsiadm-helpers

setup() {
        setup_root
        S="$ISCSI_SYSFS_ROOT"
        IPID=
}

teardown() {
        if [ -n "$IPID" ]; then kill "$IPID" 2>/dev/null; wait "$IPID" 2>/dev/null; fi
        return 0
}

# fake_session SID HOST TARGET ADDRESS PORT TPGT
fake_session() {
        local sid=$1 host=$2 target=$3 addr=$4 port=$5 tpgt=$6
        local sdir="$S/devices/platform/host$host/session$sid/iscsi_session/session$sid"
        local cdir="$S/devices/platform/host$host/session$sid/connection$sid:0/iscsi_connection/connection$sid:0"
        mkdir -p "$sdir" "$cdir" "$S/class/iscsi_connection" "$S/class/iscsi_host/host$host" "$S/class/scsi_host/host$host"
        echo "$target" > "$sdir/targetname"
        echo "$tpgt" > "$sdir/tpgt"
        echo default > "$sdir/ifacename"
        echo iqn.2016-04.com.open-iscsi:bats > "$sdir/initiatorname"
        echo LOGGED_IN > "$sdir/state"
        echo "$addr" > "$cdir/persistent_address"
        echo "$port" > "$cdir/persistent_port"
        echo "$addr" > "$cdir/address"
        echo "$port" > "$cdir/port"
        echo up > "$cdir/state"
        echo 127.0.0.1 > "$S/class/iscsi_host/host$host/ipaddress"
        echo iscsi_tcp > "$S/class/scsi_host/host$host/proc_name"
        ln -s "$sdir" "$S/class/iscsi_session/session$sid"
        ln -s "$cdir" "$S/class/iscsi_connection/connection$sid:0"
}

@test "-m session lists sessions in open-iscsi's format" {
        fake_session 1 2 iqn.2003-01.org.example:t1 127.0.0.1 3260 1
        fake_session 3 4 iqn.2003-01.org.example:t2 ::1 3261 2
        run iscsiadm -m session
        assert_success
        assert_output "tcp: [1] 127.0.0.1:3260,1 iqn.2003-01.org.example:t1 (non-flash)
tcp: [3] [::1]:3261,2 iqn.2003-01.org.example:t2 (non-flash)"
        run iscsiadm -m session -o show
        assert_line --index 0 "tcp: [1] 127.0.0.1:3260,1 iqn.2003-01.org.example:t1 (non-flash)"
}

@test "-m session -P 1 tree; -r picks one session; unknown sid is exit 22" {
        fake_session 1 2 iqn.2003-01.org.example:t1 127.0.0.1 3260 1
        run iscsiadm -m session -P 1 -r 1
        assert_success
        assert_output "Target: iqn.2003-01.org.example:t1 (non-flash)
	Current Portal: 127.0.0.1:3260,1
	Persistent Portal: 127.0.0.1:3260,1
		**********
		Interface:
		**********
		Iface Name: default
		Iface Transport: tcp
		Iface Initiatorname: iqn.2016-04.com.open-iscsi:bats
		Iface IPaddress: 127.0.0.1
		Iface HWaddress: default
		Iface Netdev: default
		SID: 1
		iSCSI Connection State: LOGGED IN
		iSCSI Session State: LOGGED_IN
		Internal iscsid Session State: NO CHANGE"
        # without -P, -r prints the session's node record, as open-iscsi does
        run iscsiadm -m session -r /sys/class/iscsi_session/session1
        assert_failure 21
        assert_output "iscsiadm: No records found"
        iscsiadm -m node -o new -T iqn.2003-01.org.example:t1 -p 127.0.0.1:3260,1
        run iscsiadm -m session -r /sys/class/iscsi_session/session1
        assert_success
        assert_line "node.name = iqn.2003-01.org.example:t1"
        run iscsiadm -m session -r 9
        assert_failure 22
}

@test "-m session -P 3: timeouts, CHAP (masked), negotiated values and attached disks" {
        fake_session 1 2 iqn.2003-01.org.example:t1 127.0.0.1 3260 1
        sdir="$S/devices/platform/host2/session1/iscsi_session/session1"
        cdir="$S/devices/platform/host2/session1/connection1:0/iscsi_connection/connection1:0"
        echo 120 > "$sdir/recovery_tmo"; echo chapuser > "$sdir/username"; echo chapsecret > "$sdir/password"
        echo 1 > "$sdir/immediate_data"; echo 0 > "$sdir/initial_r2t"; echo None > "$cdir/header_digest"
        echo 262144 > "$cdir/max_recv_dlength"
        mkdir -p "$S/devices/platform/host2/session1/target2:0:0/2:0:0:0/block/sdb"
        ln -s ../.. "$sdir/device"   # as in sysfs: the class device's parent
        echo running > "$S/devices/platform/host2/session1/target2:0:0/2:0:0:0/state"
        run iscsiadm -m session -P 3
        assert_success
        assert_line "		Recovery Timeout: 120"
        assert_line "		Target Reset Timeout: <empty>"
        assert_line "		username: chapuser"
        assert_line "		password: ********"
        refute_output --partial chapsecret
        assert_line "		HeaderDigest: None"
        assert_line "		MaxRecvDataSegmentLength: 262144"
        assert_line "		ImmediateData: Yes"
        assert_line "		InitialR2T: No"
        assert_line "		Attached SCSI devices:"
        assert_line "		scsi2 Channel 00 Id 0 Lun: 0"
        assert_line "			Attached scsi disk sdb		State: running"
        run iscsiadm -m session -P 1
        refute_line "		Recovery Timeout: 120"
}

@test "-m session -j gives the sessions as JSON" {
        fake_session 1 2 iqn.2003-01.org.example:t1 127.0.0.1 3260 1
        run iscsiadm -m session --format=json
        echo "$output" | python3 -c '
import json,sys; s=json.load(sys.stdin)["sessions"][0]
assert s["sid"]==1 and s["target"]=="iqn.2003-01.org.example:t1" and s["port"]==3260 and s["tpgt"]==1, s'
}

@test "logout without iscsid: the session is named, exit 21 as in open-iscsi 2.1.8" {
        fake_session 1 2 iqn.2003-01.org.example:t1 127.0.0.1 3260 1
        run iscsiadm -m node -T iqn.2003-01.org.example:t1 -u
        # open-iscsi counts a session it could not log out as not found
        assert_failure 21
        assert_output "Logging out of session [sid: 1, target: iqn.2003-01.org.example:t1, portal: 127.0.0.1,3260]
iscsiadm: Could not logout of [sid: 1, target: iqn.2003-01.org.example:t1, portal: 127.0.0.1,3260].
iscsiadm: initiator reported error (20 - could not connect to iscsid)
iscsiadm: No matching sessions found"
        run iscsiadm -m node -T iqn.2003-01.org.example:other -u
        assert_failure 21
        assert_output "iscsiadm: No matching sessions found"
}

@test "our iscsid: login and session list go through its IPC" {
        ID="$BUILD_DIR/iscsid/iscsid"
        [ -x "$ID" ] || skip "iscsid not built"
        [ -e /sys/class/iscsi_transport/tcp ] && skip "kernel has iSCSI: real logins are the VM suite's job"
        export ISCSID_SOCKET="$BATS_TEST_TMPDIR/iscsid.sock" ISCSID_NO_KMOD=1
        "$ID" -f -s "$ISCSID_SOCKET" >"$BATS_TEST_TMPDIR/iscsid.log" 2>&1 3>&- &
        IPID=$!
        for _ in $(seq 100); do [ -S "$ISCSID_SOCKET" ] && break; sleep 0.05; done
        iscsiadm -m node -o new -T iqn.2003-01.org.example:t1 -p 127.0.0.1:3260,1
        run iscsiadm -m node -T iqn.2003-01.org.example:t1 --login
        # this kernel has no iSCSI: the daemon answers 12, which we print as open-iscsi does
        assert_failure 12
        assert_output "Logging in to [iface: default, target: iqn.2003-01.org.example:t1, portal: 127.0.0.1,3260]
iscsiadm: Could not login to [iface: default, target: iqn.2003-01.org.example:t1, portal: 127.0.0.1,3260].
iscsiadm: initiator reported error (12 - iSCSI driver not found. Please make sure it is loaded, and retry the operation)
iscsiadm: Could not log into all portals"
}

@test "login to a node that already has its session: open-iscsi's message, exit 15" {
        fake_session 1 2 iqn.2003-01.org.example:t1 127.0.0.1 3260 1
        iscsiadm -m node -o new -T iqn.2003-01.org.example:t1 -p 127.0.0.1:3260,1
        iscsiadm -m node -o new -T iqn.2003-01.org.example:t2 -p 127.0.0.1:3260,1
        run iscsiadm -m node -T iqn.2003-01.org.example:t1 -l
        assert_failure 15
        assert_output "iscsiadm: default: 1 session requested, but 1 already present.
iscsiadm: Could not log into all portals"
        # loginall: the present one is reported, the other one is tried (no iscsid here: 15 wins, it came first)
        run iscsiadm -m node --loginall=all
        assert_failure 15
        assert_line --index 0 "iscsiadm: default: 1 session requested, but 1 already present."
        assert_line "Logging in to [iface: default, target: iqn.2003-01.org.example:t2, portal: 127.0.0.1,3260]"
        assert_line "iscsiadm: initiator reported error (20 - could not connect to iscsid)"
        # two sessions wanted, one there: one more login is attempted
        iscsiadm -m node -T iqn.2003-01.org.example:t1 -o update -n node.session.nr_sessions -v 2
        run iscsiadm -m node -T iqn.2003-01.org.example:t1 -l
        assert_failure 20
        assert_line --index 0 "Logging in to [iface: default, target: iqn.2003-01.org.example:t1, portal: 127.0.0.1,3260]"
        [ "$(echo "$output" | grep -c '^Logging in to')" -eq 1 ]
}

@test "-m host lists iSCSI hosts from sysfs (classic and JSON); none is exit 21" {
        run iscsiadm -m host
        assert_failure 21
        assert_output "iscsiadm: No iSCSI hosts."
        fake_session 1 2 iqn.2003-01.org.example:t1 127.0.0.1 3260 1
        echo eth0 > "$S/class/iscsi_host/host2/netdev"
        run iscsiadm -m host
        assert_success
        assert_output "tcp: [2] 127.0.0.1,[<empty>],eth0 <empty>"
        run iscsiadm -m host -j
        echo "$output" | python3 -c '
import json,sys; h=json.load(sys.stdin)["hosts"][0]; assert h["host"]==2 and h["netdev"]=="eth0" and h["hwaddress"] is None, h'
}
