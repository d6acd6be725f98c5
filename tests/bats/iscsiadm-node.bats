#!/usr/bin/env bats
# Node database operations against a temporary ISCSI_ROOT (no daemon, no kernel module).

load iscsiadm-helpers

setup() {
        setup_root
}

T1=iqn.2003-01.org.example:t1
T2=iqn.2003-01.org.example:t2

@test "empty database: 'No records found', exit 21" {
        run iscsiadm -m node
        assert_failure 21
        assert_output "iscsiadm: No records found"
}

@test "-o new writes open-iscsi's layout and prints its message" {
        run iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        assert_success
        assert_output "New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=default] 127.0.0.1,3260,1 $T1] added"
        [ -f "$ETC/nodes/$T1/127.0.0.1,3260,1/default" ]
        [ "$(stat -c %a "$ETC/nodes/$T1/127.0.0.1,3260,1/default")" = 600 ]
        [ -L "$ETC/static/$T1,127.0.0.1,3260,1,default" ]
        [ "$(readlink "$ETC/static/$T1,127.0.0.1,3260,1,default")" = "/etc/iscsi/nodes/$T1/127.0.0.1,3260,1" ]
}

@test "unknown tpgt goes to the legacy flat file and lists as 4294967295" {
        iscsiadm -m node -o new -T $T2 -p 127.0.0.1
        [ -f "$ETC/nodes/$T2/127.0.0.1,3260" ]
        run iscsiadm -m node
        assert_output "127.0.0.1:3260,4294967295 $T2"
        run iscsiadm -m node -P 1
        assert_output "Target: $T2
	Portal: 127.0.0.1:3260,-1
		Iface Name: default"
}

@test "list, -P 1 tree and IPv6 portals" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        iscsiadm -m node -o new -T $T1 -p '[::1]:3261,2'
        iscsiadm -m node -o new -T $T2 -p 127.0.0.2:3260,1
        [ -f "$ETC/nodes/$T1/::1,3261,2/default" ]
        run iscsiadm -m node
        assert_success
        assert_output "127.0.0.1:3260,1 $T1
[::1]:3261,2 $T1
127.0.0.2:3260,1 $T2"
        run iscsiadm -m node -P 1
        assert_output "Target: $T1
	Portal: 127.0.0.1:3260,1
		Iface Name: default
	Portal: [::1]:3261,2
		Iface Name: default
Target: $T2
	Portal: 127.0.0.2:3260,1
		Iface Name: default"
}

@test "show: full record, <empty>, secrets masked unless -S" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        iscsiadm -m node -T $T1 -o update -n node.session.auth.password -v s3cret
        iscsiadm -m node -T $T1 -o update -n node.session.auth.username -v user
        run iscsiadm -m node -T $T1 -o show
        assert_success
        assert_line --index 0 "# BEGIN RECORD 2.1.8"
        assert_line "node.session.auth.username = user"
        assert_line "node.session.auth.password = ********"
        assert_line "node.session.auth.username_in = <empty>"
        assert_line "# END RECORD"
        refute_output --partial s3cret
        [ "${#lines[@]}" -eq 109 ]
        run iscsiadm -m node -T $T1 -S
        assert_line "node.session.auth.password = s3cret"
        grep -qx "node.session.auth.password = s3cret" "$ETC/nodes/$T1/127.0.0.1,3260,1/default"
}

@test "update: invalid name and invalid value give open-iscsi's messages and exit 7" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        run iscsiadm -m node -T $T1 -o update -n node.bogus -v 1
        assert_failure 7
        assert_output "iscsiadm: Cannot modify node.bogus. Invalid param name.
iscsiadm: Could not execute operation on all records: invalid parameter"
        run iscsiadm -m node -T $T1 -o update -n node.startup -v sometimes
        assert_failure 7
        assert_line --index 0 "iscsiadm: unknown value format 'sometimes' for parameter name 'node.startup'"
        run iscsiadm -m node -T $T1 -o update -n node.startup -v automatic
        assert_success
        run iscsiadm -m node -T $T1
        assert_line "node.startup = automatic"
}

@test "update or delete with no match: exit 21" {
        run iscsiadm -m node -T iqn.2003-01.org.example:none -o update -n node.startup -v manual
        assert_failure 21
        run iscsiadm -m node -T iqn.2003-01.org.example:none -o delete
        assert_failure 21
        assert_output "iscsiadm: No records found"
}

@test "delete removes the record, its links and empty dirs" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        iscsiadm -m node -o new -T $T2 -p 127.0.0.1:3260,1
        run iscsiadm -m node -T $T1 -p 127.0.0.1 -o delete
        assert_success
        [ ! -e "$ETC/nodes/$T1" ]
        [ ! -L "$ETC/static/$T1,127.0.0.1,3260,1,default" ]
        run iscsiadm -m node
        assert_output "127.0.0.1:3260,1 $T2"
}

@test "-p filter: port defaults to 3260, tpgt ignored" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3261,1
        run iscsiadm -m node -p 127.0.0.1 -o show
        assert_line "node.conn[0].port = 3260"
        refute_line "node.conn[0].port = 3261"
        # as in open-iscsi 2.1.8, a ",tpgt" does not narrow the selection
        run iscsiadm -m node -p 127.0.0.1:3261,2 -o show
        assert_success
        assert_line "node.conn[0].port = 3261"
}

@test "new records inherit iscsid.conf; bad lines reported as file:line" {
        cat > "$ETC/iscsid.conf" <<'CONF'
# test
node.startup = automatic
node.session.cmds_max = 64
this is not a pair
node.session.nonsense = 1
node.conn[0].timeo.login_timeout = soon
node.session.auth.chap_algs = SHA256,MD5
CONF
        run iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        assert_success
        assert_line "iscsiadm: $ETC/iscsid.conf:4: malformed line 'this is not a pair' (expected 'key = value'), skipped"
        assert_line "iscsiadm: $ETC/iscsid.conf:5: unknown key 'node.session.nonsense', ignored"
        assert_line "iscsiadm: $ETC/iscsid.conf:6: invalid value 'soon' for 'node.conn[0].timeo.login_timeout', skipped"
        run iscsiadm -m node -T $T1
        assert_line "node.startup = automatic"
        assert_line "node.session.cmds_max = 64"
        assert_line "node.conn[0].timeo.login_timeout = 30"
        assert_line "node.session.auth.chap_algs = SHA256,MD5"
}

@test "JSON output for list and show (--format=json / -j)" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        iscsiadm -m node -T $T1 -o update -n node.session.auth.password -v pw
        run iscsiadm -m node --format=json
        assert_success
        echo "$output" | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert d["version"]==1
n=d["nodes"][0]
assert n=={"target":"iqn.2003-01.org.example:t1","address":"127.0.0.1","port":3260,"tpgt":1,"iface":"default"}, n'
        run iscsiadm -m node -T $T1 -j
        echo "$output" | python3 -c '
import json,sys; r=json.load(sys.stdin)["node_records"][0]
assert r["node.tpgt"]==1 and r["node.session.iscsi.ImmediateData"] is True
assert r["node.session.auth.password"]=="********" and r["node.discovery_address"] is None'
        run iscsiadm -m node -T $T1 -j -S
        echo "$output" | python3 -c '
import json,sys; assert json.load(sys.stdin)["node_records"][0]["node.session.auth.password"]=="pw"'
        run iscsiadm -m iface -j
        echo "$output" | python3 -c '
import json,sys; i=json.load(sys.stdin)["ifaces"]; assert [x["name"] for x in i]==["default","iser"]'
}

@test "iface mode: list, new, update, show, delete; built-ins protected" {
        run iscsiadm -m iface
        assert_output "default tcp,<empty>,<empty>,<empty>,<empty>
iser iser,<empty>,<empty>,<empty>,<empty>"
        run iscsiadm -m iface -I iface0 -o new
        assert_output "iface0 updated.
New interface iface0 added"
        run iscsiadm -m iface -I iface0 -o update -n iface.initiatorname -v iqn.2016-04.com.open-iscsi:if0
        assert_output "iface0 updated."
        run iscsiadm -m iface
        assert_line --index 0 "iface0 tcp,<empty>,<empty>,<empty>,iqn.2016-04.com.open-iscsi:if0"
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1 -I iface0
        [ -f "$ETC/nodes/$T1/127.0.0.1,3260,1/iface0" ]
        run iscsiadm -m node -T $T1 -I iface0
        assert_line "iface.initiatorname = iqn.2016-04.com.open-iscsi:if0"
        run iscsiadm -m iface -I default -o delete
        assert_failure 7
        assert_line "iscsiadm: iface default is a special interface and cannot be deleted."
        run iscsiadm -m iface -I iface0 -o delete
        assert_output "iface0 unbound and deleted."
        [ ! -e "$ETC/nodes/$T1/127.0.0.1,3260,1/iface0" ]
}

@test "50 concurrent iscsiadm processes never lose or corrupt a record" {
        for i in $(seq 50); do
                ( iscsiadm -m node -o new -T iqn.2003-01.org.example:c$i -p 127.0.0.1:3260,1 >/dev/null &&
                  iscsiadm -m node -T iqn.2003-01.org.example:c$i -o update -n node.session.cmds_max -v $((i + 100)) ) &
        done
        for i in $(seq 10); do
                ( iscsiadm -m node -o update -n node.startup -v automatic 2>/dev/null || true ) &
        done
        wait
        run iscsiadm -m node
        [ "${#lines[@]}" -eq 50 ]
        for i in $(seq 50); do
                f="$ETC/nodes/iqn.2003-01.org.example:c$i/127.0.0.1,3260,1/default"
                grep -qx "node.session.cmds_max = $((i + 100))" "$f"
                [ "$(head -1 "$f")" = "# BEGIN RECORD 2.1.8" ]
                [ "$(tail -1 "$f")" = "# END RECORD" ]
        done
        # no temporary files left behind
        run find "$ETC" -name '.#*'
        assert_output ""
}

@test "writes are atomic: a reader never sees a partial record" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        f="$ETC/nodes/$T1/127.0.0.1,3260,1/default"
        ( for i in $(seq 40); do iscsiadm -m node -T $T1 -o update -n node.session.queue_depth -v $i; done ) &
        writer=$!
        bad=0
        while kill -0 $writer 2>/dev/null; do
                t=$(tail -1 "$f"); [ "$t" = "# END RECORD" ] || bad=1
        done
        wait $writer
        [ $bad -eq 0 ]
}

@test "initiatorname missing: the error names iscsi-iname" {
        rm "$ETC/initiatorname.iscsi"
        run iscsiadm -m discovery -t st -p 127.0.0.1:1
        assert_failure 7
        assert_line "iscsiadm: Create it with: echo \"InitiatorName=\$(iscsi-iname)\" > $ETC/initiatorname.iscsi"
}

@test "iscsi-iname generates valid names" {
        run "$ISCSI_INAME"
        assert_success
        [[ "$output" =~ ^iqn\.2016-04\.com\.open-iscsi:[0-9a-f]{12}$ ]]
        run "$ISCSI_INAME" -p iqn.2020-01.com.example
        [[ "$output" =~ ^iqn\.2020-01\.com\.example:[0-9a-f]{12}$ ]]
        run "$ISCSI_INAME" -g
        [[ "$output" =~ ^InitiatorName=iqn\. ]]
        run "$ISCSI_INAME" -p "Not A Name"
        assert_failure
        # --write creates initiatorname.iscsi under ISCSI_ROOT, never replaces one without --force
        rm "$ETC/initiatorname.iscsi"
        run "$ISCSI_INAME" --write
        assert_success
        grep -qx "InitiatorName=$output" "$ETC/initiatorname.iscsi"
        first=$output
        run "$ISCSI_INAME" --write
        assert_failure
        grep -qx "InitiatorName=$first" "$ETC/initiatorname.iscsi"
        run "$ISCSI_INAME" --write --force
        assert_success
        grep -qx "InitiatorName=$output" "$ETC/initiatorname.iscsi"
}

@test "argument errors and unsupported modes use open-iscsi's exit codes" {
        run iscsiadm
        assert_failure 7
        run iscsiadm -m node -o bogus
        assert_failure 7
        assert_output "iscsiadm: can not recognize operation: 'bogus'"
        run iscsiadm -m bogus
        assert_failure 7
        run iscsiadm -m discovery -t st
        assert_failure 7
        assert_output "iscsiadm: Please specify portal as <ipaddr>[:<ipport>]"
        ISCSI_SYSFS_ROOT=$BATS_TEST_TMPDIR/no-sysfs run iscsiadm -m fw
        assert_failure 21
        assert_output "iscsiadm: Could not get list of targets from firmware. (err 21)"
        run iscsiadm -m iface -I default -o apply
        assert_failure 27
        run iscsiadm -V
        assert_output "iscsiadm version 2.1.8"
}

@test "session mode without sessions: 'No active sessions.', exit 21" {
        run iscsiadm -m session
        assert_failure 21
        assert_output "iscsiadm: No active sessions."
        run iscsiadm -m session -P 3
        assert_failure 21
        run iscsiadm -m node -U all
        assert_failure 21
        assert_output "iscsiadm: No matching sessions found"
}

@test "login without iscsid: open-iscsi's messages and exit 20" {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        run iscsiadm -m node -T $T1 -l
        assert_failure 20
        assert_output "Logging in to [iface: default, target: $T1, portal: 127.0.0.1,3260]
iscsiadm: Could not login to [iface: default, target: $T1, portal: 127.0.0.1,3260].
iscsiadm: initiator reported error (20 - could not connect to iscsid)
iscsiadm: Could not log into all portals"
        run iscsiadm -m node -L all
        assert_failure 20
        run iscsiadm -m node -L onboot
        assert_failure 21
}

@test "every key of our etc/iscsid.conf and of open-iscsi's (examples uncommented) is known" {
        sed 's/^#\([a-z][^ ]* = .*\)$/\1/' "$BATS_TEST_DIRNAME/../../etc/iscsid.conf" > "$ETC/iscsid.conf"
        run iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1
        assert_success
        refute_output --partial "iscsid.conf:"
        run iscsiadm -m node -T $T1
        assert_line "node.session.auth.authmethod = CHAP"
        assert_line "node.conn[0].timeo.login_timeout = 15"
        assert_line "node.session.initial_login_retry_max = 8"
        if [ -f /usr/share/doc/open-iscsi/examples/iscsid.conf ] || [ -f /etc/iscsi/iscsid.conf ]; then
                src=/etc/iscsi/iscsid.conf
                [ -f "$src" ] || src=/usr/share/doc/open-iscsi/examples/iscsid.conf
                sed 's/^#\([a-z][^ ]* = .*\)$/\1/' "$src" > "$ETC/iscsid.conf"
                run iscsiadm -m node -o new -T $T2 -p 127.0.0.1:3260,1
                assert_success
                refute_output --partial "iscsid.conf:"
        fi
}

@test "names that would escape the database directory are refused" {
        run iscsiadm -m node -o new -T ../../evil -p 127.0.0.1:3260,1
        assert_failure 6
        run iscsiadm -m discoverydb -t st -p '../x' -o new
        assert_failure
        run iscsiadm -m iface -I ../x -o new
        assert_failure
        run find "$ISCSI_ROOT" -name 'evil*' -o -name x
        assert_output ""
}
