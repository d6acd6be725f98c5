#!/usr/bin/env bats
# The reload contract: after saving, iscsi-target sends SIGHUP to the pid in the pid file,
# only if that process is iscsi-targetd; a running iscsi-targetd picks the change up.

load target-helpers

setup() {
        setup_target_env
        PIDS_TO_KILL=()
}

teardown() {
        local p
        for p in "${PIDS_TO_KILL[@]}"; do
                kill "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
}

# A stand-in named iscsi-targetd that records each SIGHUP.
start_fake_daemon() {
        local fake="$BATS_TEST_TMPDIR/bin/iscsi-targetd"
        mkdir -p "$(dirname "$fake")"
        cat > "$fake" <<EOF
#!/bin/bash
trap 'echo hup >> "$BATS_TEST_TMPDIR/hups"' HUP
trap 'exit 0' TERM
echo \$\$ > "$ISCSI_TARGETD_PIDFILE"
while :; do sleep 0.05; done
EOF
        chmod +x "$fake"
        # A shell cannot trap a signal ignored when it started (a run under nohup ignores HUP):
        # start the stand-in with HUP at its default so that its trap takes.
        env --default-signal=HUP "$fake" &
        PIDS_TO_KILL+=($!)
        wait_for '[ -s "$ISCSI_TARGETD_PIDFILE" ]'
}

hups() {
        [ -e "$BATS_TEST_TMPDIR/hups" ] && wc -l < "$BATS_TEST_TMPDIR/hups" || echo 0
}

@test "a change sends one SIGHUP to iscsi-targetd; a read-only command sends none" {
        start_fake_daemon
        it /backstores/ramdisk create rd1 1M
        wait_for '[ "$(hups)" -ge 1 ]'
        it ls >/dev/null
        it /backstores/ramdisk/rd1 get attribute block_size >/dev/null
        run it /backstores/ramdisk create rd1 1M   # fails: nothing saved, no signal
        assert_failure
        # a script with several changes signals once, at the end
        printf '%s\n' "/backstores/ramdisk create rd2 1M" "/backstores/ramdisk create rd3 1M" | it
        wait_for '[ "$(hups)" -ge 2 ]'
        sleep 0.3
        [ "$(hups)" -eq 2 ]
}

@test "--no-reload and a missing pid file: saved, nobody signalled, success" {
        start_fake_daemon
        run it -n /backstores/ramdisk create rd1 1M
        assert_success
        rm -f "$ISCSI_TARGETD_PIDFILE"
        run it /backstores/ramdisk create rd2 1M
        assert_success
        refute_output --partial warning
        sleep 0.3
        [ "$(hups)" -eq 0 ]
        [ "$(json "len(c['storage_objects'])")" = 2 ]
}

@test "a stale pid file naming another process is not signalled" {
        sleep 600 &
        PIDS_TO_KILL+=($!)
        echo $! > "$ISCSI_TARGETD_PIDFILE"
        run it /backstores/ramdisk create rd1 1M
        assert_success
        assert_output --partial "which is not iscsi-targetd; not signalling it"
        kill -0 "${PIDS_TO_KILL[0]}"
}

@test "a running iscsi-targetd listens on a portal added with iscsi-target" {
        [ -x "$TARGETD" ] || skip "iscsi-targetd is not built in $BUILD_DIR"
        command -v ss >/dev/null || skip "ss (iproute2) not installed"
        p1=$(free_port)
        p2=$(free_port)
        [ "$p1" != "$p2" ] || p2=$(free_port)
        it /backstores/ramdisk create rd1 16M
        it /iscsi create "$TGT"
        it "/iscsi/$TGT/tpg1/portals" delete 0.0.0.0 3260
        it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1 "$p1"
        it "/iscsi/$TGT/tpg1/luns" create /backstores/ramdisk/rd1
        "$TARGETD" -f -c "$CONF" -p "$ISCSI_TARGETD_PIDFILE" 2>"$BATS_TEST_TMPDIR/targetd.log" &
        PIDS_TO_KILL+=($!)
        wait_for "ss -ltnH 'sport = :$p1' | grep -q 127.0.0.1" || { cat "$BATS_TEST_TMPDIR/targetd.log" >&2; false; }
        wait_for '[ -s "$ISCSI_TARGETD_PIDFILE" ]'
        run it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1 "$p2"
        assert_success
        wait_for "ss -ltnH 'sport = :$p2' | grep -q 127.0.0.1" || { cat "$BATS_TEST_TMPDIR/targetd.log" >&2; false; }
        run it "/iscsi/$TGT/tpg1/portals" delete 127.0.0.1 "$p1"
        assert_success
        wait_for "! ss -ltnH 'sport = :$p1' | grep -q 127.0.0.1" || { cat "$BATS_TEST_TMPDIR/targetd.log" >&2; false; }
        ss -ltnH "sport = :$p2" | grep -q 127.0.0.1
        # a file that does not load is not applied: the daemon keeps serving the last good one
        cp "$CONF" "$BATS_TEST_TMPDIR/good.json"
        echo '{"targets": [' > "$CONF"
        kill -HUP "$(cat "$ISCSI_TARGETD_PIDFILE")"
        wait_for "grep -q 'keeping the running configuration' '$BATS_TEST_TMPDIR/targetd.log'"
        ss -ltnH "sport = :$p2" | grep -q 127.0.0.1
        # and the daemon is still the same process
        kill -0 "${PIDS_TO_KILL[0]}"
}

@test "the walk-through's configuration serves its ACL with CHAP (iscsi-ls)" {
        [ -x "$TARGETD" ] || skip "iscsi-targetd is not built in $BUILD_DIR"
        command -v iscsi-ls >/dev/null || skip "iscsi-ls (libiscsi-bin) not installed"
        port=$(free_port)
        it /backstores/fileio create disk01 "$DISKS/disk01.img" 64M
        it /iscsi create "$TGT"
        it "/iscsi/$TGT/tpg1/luns" create /backstores/fileio/disk01
        it "/iscsi/$TGT/tpg1/acls" create "$INI"
        it "/iscsi/$TGT/tpg1/acls/$INI" set auth userid=username password=password
        it "/iscsi/$TGT/tpg1/portals" delete 0.0.0.0 3260
        it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1 "$port"
        "$TARGETD" -f -c "$CONF" -p "$ISCSI_TARGETD_PIDFILE" 2>"$BATS_TEST_TMPDIR/targetd.log" &
        PIDS_TO_KILL+=($!)
        wait_for "ss -ltnH 'sport = :$port' | grep -q 127.0.0.1"
        run timeout 20 iscsi-ls -i "$INI" -s "iscsi://username%password@127.0.0.1:$port"
        assert_success
        assert_line "Target:$TGT Portal:127.0.0.1:$port,1"
        assert_line --regexp '^Lun:0 +Type:DIRECT_ACCESS \(Size:6[34]M\)$'
        run timeout 20 iscsi-ls -i "$INI" -s "iscsi://username%wrong@127.0.0.1:$port"
        assert_output --partial "Authentication failure"
        # an initiator without an ACL is refused
        run timeout 20 iscsi-ls -i iqn.2022-08.com.test:stranger -s "iscsi://127.0.0.1:$port"
        assert_output --partial "Authorization failure"
        # ... until generate_node_acls lets everyone in (reload, same daemon)
        it "/iscsi/$TGT/tpg1" set attribute generate_node_acls=1
        wait_for "grep -c 'configuration reloaded' '$BATS_TEST_TMPDIR/targetd.log' | grep -q 1"
        run timeout 20 iscsi-ls -i iqn.2022-08.com.test:stranger -s "iscsi://127.0.0.1:$port"
        assert_success
        assert_line --regexp '^Lun:0 +Type:DIRECT_ACCESS'
}

@test "an ALUA state set with iscsi-target is applied by a running iscsi-targetd" {
        [ -x "$TARGETD" ] || skip "iscsi-targetd is not built in $BUILD_DIR"
        command -v iscsi-readcapacity16 >/dev/null || skip "iscsi-readcapacity16 (libiscsi-bin) not installed"
        port=$(free_port)
        it /backstores/ramdisk create rd1 16M
        it /iscsi create "$TGT"
        it "/iscsi/$TGT/tpg1/luns" create /backstores/ramdisk/rd1
        it "/iscsi/$TGT/tpg1" set attribute generate_node_acls=1
        it "/iscsi/$TGT/tpg1/portals" delete 0.0.0.0 3260
        it "/iscsi/$TGT/tpg1/portals" create 127.0.0.1 "$port"
        "$TARGETD" -f -c "$CONF" -p "$ISCSI_TARGETD_PIDFILE" 2>"$BATS_TEST_TMPDIR/targetd.log" &
        PIDS_TO_KILL+=($!)
        wait_for "ss -ltnH 'sport = :$port' | grep -q 127.0.0.1"
        url="iscsi://127.0.0.1:$port/$TGT/0"
        run timeout 20 iscsi-readcapacity16 -i "$INI" "$url"
        assert_success
        # standby: the port refuses medium access with NOT READY / 04h 0Bh (libiscsi's login
        # ends with TEST UNIT READY, which a standby port refuses too)
        run it /backstores/ramdisk/rd1/alua/default_tg_pt_gp set alua alua_access_state=2
        assert_success
        assert_output "Parameter alua_access_state is now '2'."
        wait_for "grep -c 'configuration reloaded' '$BATS_TEST_TMPDIR/targetd.log' | grep -q 1"
        run timeout 20 iscsi-readcapacity16 -i "$INI" "$url"
        assert_failure
        assert_output --partial "NOT READY"
        assert_output --partial "0x040b"
        # and back to active/optimized
        it /backstores/ramdisk/rd1/alua/default_tg_pt_gp set alua alua_access_state=0
        wait_for "grep -c 'configuration reloaded' '$BATS_TEST_TMPDIR/targetd.log' | grep -q 2"
        run timeout 20 iscsi-readcapacity16 -i "$INI" "$url"
        assert_success
}
