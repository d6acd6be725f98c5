#!/usr/bin/env bats
# Compatibility with open-iscsi 2.1.8: golden outputs captured from Debian's iscsiadm
# (golden/regen.sh), and both-way DB compatibility with the live Debian binary, which runs in
# a private mount namespace with a temp dir bound over /etc/iscsi.

load iscsiadm-helpers

T1=iqn.2003-01.org.example:t1
T2=iqn.2003-01.org.example:t2

setup() {
        setup_root
        RESP_PID=
}

teardown() {
        stop_responder
}

# the same records golden/regen.sh creates
make_golden_db() {
        iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1 > "$BATS_TEST_TMPDIR/node-new.txt"
        iscsiadm -m node -o new -T $T2 -p 127.0.0.1 > /dev/null
        iscsiadm -m node -o new -T $T2 -p '[::1]:3261,2' > /dev/null
        iscsiadm -m node -T $T1 -o update -n node.session.auth.username -v user
        iscsiadm -m node -T $T1 -o update -n node.session.auth.password -v s3cret
}

@test "golden: node new/list/tree/show/show -S and the on-disk file are byte-identical" {
        make_golden_db
        cmp "$GOLDEN/node-new.txt" "$BATS_TEST_TMPDIR/node-new.txt"
        iscsiadm -m node | cmp "$GOLDEN/node-list.txt" -
        iscsiadm -m node -P 1 | cmp "$GOLDEN/node-tree.txt" -
        iscsiadm -m node -T $T1 -o show | cmp "$GOLDEN/node-show.txt" -
        iscsiadm -m node -T $T1 -o show -S | cmp "$GOLDEN/node-show-secrets.txt" -
        cmp "$GOLDEN/node-file.txt" "$ETC/nodes/$T1/127.0.0.1,3260,1/default"
}

@test "golden: iface list/show and discoverydb new/show/list and st_config" {
        iscsiadm -m iface | cmp "$GOLDEN/iface-list.txt" -
        iscsiadm -m iface -I default -o show | cmp "$GOLDEN/iface-show.txt" -
        iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o new | cmp "$GOLDEN/discoverydb-new.txt" -
        iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o show | cmp "$GOLDEN/discoverydb-show.txt" -
        cmp "$GOLDEN/st-config-file.txt" "$ETC/send_targets/127.0.0.1,3260/st_config"
        iscsiadm -m discovery | cmp "$GOLDEN/discovery-list.txt" -
}

@test "Debian writes, we read and update, Debian reads back" {
        have_debian_iscsiadm || skip "Debian open-iscsi 2.1 iscsiadm or unshare not available"
        DEB_ROOT="$ETC"
        deb_iscsiadm -m node -o new -T $T1 -p 127.0.0.1:3260,1 >/dev/null
        deb_iscsiadm -m node -o new -T $T2 -p '[::1]:3261,7' >/dev/null
        deb_iscsiadm -m node -T $T1 -o update -n node.session.auth.authmethod -v CHAP
        deb_iscsiadm -m node -T $T1 -o update -n node.session.auth.password -v pw1
        deb_iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o new >/dev/null
        deb_iscsiadm -m iface -I if9 -o new >/dev/null
        # every show and list agrees byte for byte
        diff <(deb_iscsiadm -m node) <(iscsiadm -m node)
        diff <(deb_iscsiadm -m node -P 1) <(iscsiadm -m node -P 1)
        diff <(deb_iscsiadm -m node -T $T1 -S) <(iscsiadm -m node -T $T1 -S)
        diff <(deb_iscsiadm -m node -T $T2) <(iscsiadm -m node -T $T2)
        diff <(deb_iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o show) \
             <(iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o show)
        diff <(deb_iscsiadm -m iface) <(iscsiadm -m iface)
        # we update; Debian sees it; files stay identical to what Debian would write
        iscsiadm -m node -T $T1 -o update -n node.startup -v automatic
        run deb_iscsiadm -m node -T $T1
        assert_line "node.startup = automatic"
        assert_line "node.session.auth.authmethod = CHAP"
        cp "$ETC/nodes/$T1/127.0.0.1,3260,1/default" "$BATS_TEST_TMPDIR/ours"
        deb_iscsiadm -m node -T $T1 -o update -n node.startup -v automatic
        cmp "$BATS_TEST_TMPDIR/ours" "$ETC/nodes/$T1/127.0.0.1,3260,1/default"
        # we delete what Debian created
        iscsiadm -m node -T $T2 -o delete
        run deb_iscsiadm -m node -T $T2
        assert_failure 21
}

@test "we write, Debian reads, updates and deletes" {
        have_debian_iscsiadm || skip "Debian open-iscsi 2.1 iscsiadm or unshare not available"
        DEB_ROOT="$ETC"
        make_golden_db
        iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o new >/dev/null
        iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o update -n discovery.sendtargets.auth.authmethod -v CHAP
        diff <(iscsiadm -m node) <(deb_iscsiadm -m node)
        diff <(iscsiadm -m node -T $T1 -S) <(deb_iscsiadm -m node -T $T1 -S)
        diff <(iscsiadm -m node -T $T2) <(deb_iscsiadm -m node -T $T2)
        diff <(iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o show) \
             <(deb_iscsiadm -m discoverydb -t st -p 127.0.0.1:3260 -o show)
        deb_iscsiadm -m node -T $T1 -o update -n node.session.queue_depth -v 16
        run iscsiadm -m node -T $T1
        assert_line "node.session.queue_depth = 16"
        deb_iscsiadm -m node -T $T2 -p 127.0.0.1 -o delete
        run iscsiadm -m node
        assert_output "127.0.0.1:3260,1 $T1
[::1]:3261,2 $T2"
}

rc_of() {
        "$@" && echo "rc=0" || echo "rc=$?"
}

@test "live: our outputs equal Debian's for the same operations" {
        have_debian_iscsiadm || skip "Debian open-iscsi 2.1 iscsiadm or unshare not available"
        DEB_ROOT="$BATS_TEST_TMPDIR/deb"
        mkdir -p "$DEB_ROOT"
        for tool in deb_iscsiadm iscsiadm; do
                out="$BATS_TEST_TMPDIR/$tool.out"
                {
                        $tool -m node -o new -T $T1 -p 127.0.0.1:3260,1
                        $tool -m node -o new -T $T1 -p 127.0.0.2:3260,3
                        $tool -m node -o new -T $T2 -p '[fd00::1]:3260,1'
                        $tool -m node -o update -n node.conn[0].iscsi.HeaderDigest -v CRC32C
                        $tool -m node
                        $tool -m node -P 1
                        $tool -m node -o show
                        $tool -m node -p 127.0.0.2
                        $tool -m iface -I ifx -o new
                        $tool -m iface
                        $tool -m iface -I ifx
                        $tool -m node -T $T1 -p 127.0.0.1 -o delete
                        $tool -m node
                        rc_of $tool -m node -T iqn.2003-01.org.example:none
                        rc_of $tool -m node -T $T1 -o update -n node.bogus -v 1
                        rc_of $tool -m node -o bogus
                        rc_of $tool -m session
                } > "$out" 2> "$out.err"
        done
        diff "$BATS_TEST_TMPDIR/deb_iscsiadm.out" "$BATS_TEST_TMPDIR/iscsiadm.out"
        diff "$BATS_TEST_TMPDIR/deb_iscsiadm.out.err" "$BATS_TEST_TMPDIR/iscsiadm.out.err"
}

@test "Debian reads what our discovery wrote" {
        have_debian_iscsiadm || skip "Debian open-iscsi 2.1 iscsiadm or unshare not available"
        DEB_ROOT="$ETC"
        PORT=$(free_port)
        start_responder 127.0.0.1 $PORT -n 3 -a 2
        iscsiadm -m discovery -t st -p 127.0.0.1:$PORT >/dev/null
        stop_responder
        diff <(deb_iscsiadm -m node) <(iscsiadm -m node)
        diff <(deb_iscsiadm -m node -P 1) <(iscsiadm -m node -P 1)
        diff <(deb_iscsiadm -m node -T iqn.2003-01.org.example:t2 -S) <(iscsiadm -m node -T iqn.2003-01.org.example:t2 -S)
        diff <(deb_iscsiadm -m discovery) <(iscsiadm -m discovery)
        diff <(deb_iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o show) \
             <(iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o show)
        # its discovery tree lists the same nodes (its order follows readdir, ours is sorted)
        diff <(deb_iscsiadm -m discoverydb -P 1 | sort) <(iscsiadm -m discoverydb -P 1 | sort)
        # and it deletes the discovery record with its nodes, which we then no longer see
        deb_iscsiadm -m discoverydb -t st -p 127.0.0.1:$PORT -o delete
        run iscsiadm -m node
        assert_failure 21
}
