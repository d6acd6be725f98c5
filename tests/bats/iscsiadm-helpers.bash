# Shared setup for the iscsiadm bats files: a fresh ISCSI_ROOT per test, our binaries from
# BUILD_DIR, Debian's open-iscsi iscsiadm run in a private mount namespace over a temp dir.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${BUILD_DIR:?BUILD_DIR must point at a meson build dir}"
ISCSIADM="$BUILD_DIR/iscsiadm/iscsiadm"
ISCSI_INAME="$BUILD_DIR/iscsiadm/iscsi-iname"
ST_RESPONDER="$BUILD_DIR/tests/unit-node/st-responder"
GOLDEN="$BATS_TEST_DIRNAME/golden"
DEBIAN_ISCSIADM=/usr/sbin/iscsiadm   # also hard-coded in deb_iscsiadm

setup_root() {
        export ISCSI_ROOT="$BATS_TEST_TMPDIR/root"
        ETC="$ISCSI_ROOT/etc/iscsi"
        mkdir -p "$ETC"
        echo "InitiatorName=iqn.2016-04.com.open-iscsi:bats" > "$ETC/initiatorname.iscsi"
        # no iscsi session daemon of ours is involved in these tests
        export ISCSID_SOCKET="$BATS_TEST_TMPDIR/no-iscsid.sock"
        export ISCSI_SYSFS_ROOT="$BATS_TEST_TMPDIR/sys"
        mkdir -p "$ISCSI_SYSFS_ROOT/class/iscsi_session"
}

iscsiadm() {
        "$ISCSIADM" "$@"
}

# Debian's iscsiadm has no ISCSI_ROOT: bind a temp dir over /etc/iscsi in a private mount
# namespace. iscsid.startup is neutralized so it never tries to start a daemon.
have_debian_iscsiadm() {
        [ -x "$DEBIAN_ISCSIADM" ] && "$DEBIAN_ISCSIADM" -V 2>/dev/null | grep -q '2\.1\.' && unshare -m true 2>/dev/null
}

deb_iscsiadm() {
        local dir="$DEB_ROOT" rc=0
        grep -q '^iscsid.startup' "$dir/iscsid.conf" 2>/dev/null || echo "iscsid.startup = /bin/true" >> "$dir/iscsid.conf"
        unshare -m sh -c 'mount --bind "$0" /etc/iscsi && exec /usr/sbin/iscsiadm "$@"' "$dir" "$@" \
                2>"$BATS_TEST_TMPDIR/deb.err" || rc=$?
        # it always complains that no iscsid answers; the rest of stderr is kept
        grep -v 'can not connect to iSCSI daemon' "$BATS_TEST_TMPDIR/deb.err" >&2 || true
        return $rc
}

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Start st-responder; its pid in RESP_PID. Args after the address/port go to the responder.
start_responder() {
        local addr=$1 port=$2; shift 2
        rm -f "$BATS_TEST_TMPDIR/ready"
        "$ST_RESPONDER" -l "$addr" -p "$port" -r "$BATS_TEST_TMPDIR/ready" "$@" 3>&- &
        RESP_PID=$!
        for _ in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/ready" ] && return 0; sleep 0.05; done
        return 1
}

stop_responder() {
        if [ -n "${RESP_PID:-}" ]; then kill "$RESP_PID" 2>/dev/null || true; wait "$RESP_PID" 2>/dev/null || true; RESP_PID=; fi
        return 0
}
