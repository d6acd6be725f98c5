# Shared setup for the iscsi-target (admin CLI) bats files: a private config file, pid file
# and disk directory per test, our binaries from BUILD_DIR.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${BUILD_DIR:?BUILD_DIR must point at a meson build dir}"
IT="$BUILD_DIR/iscsi-target/admin/iscsi-target"
TARGETD="$BUILD_DIR/iscsi-target/daemon/iscsi-targetd"
FIXTURE="$BATS_TEST_DIRNAME/../../iscsi-target/config/tests/targetcli-saveconfig.json"

TGT=iqn.2022-08.com.test:dlp.target01
INI=iqn.2022-08.com.test:node01.initiator01

setup_target_env() {
        export ISCSI_TARGET_CONFIG="$BATS_TEST_TMPDIR/etc/target/saveconfig.json"
        export ISCSI_TARGETD_PIDFILE="$BATS_TEST_TMPDIR/iscsi-targetd.pid"
        export COLUMNS=100
        CONF="$ISCSI_TARGET_CONFIG"
        DISKS="$BATS_TEST_TMPDIR/iscsi_disks"
        mkdir -p "$DISKS"
}

it() {
        "$IT" "$@"
}

# The seed walk-through, one command per invocation.
walkthrough() {
        it /backstores/fileio create disk01 "$DISKS/disk01.img" 10G &&
        it /iscsi create "$TGT" &&
        it "/iscsi/$TGT/tpg1/luns" create /backstores/fileio/disk01 &&
        it "/iscsi/$TGT/tpg1/acls" create "$INI" &&
        it "/iscsi/$TGT/tpg1/acls/$INI" set auth userid=username &&
        it "/iscsi/$TGT/tpg1/acls/$INI" set auth password=password
}

# Evaluate a Python expression over the saved JSON (bound to c) and print the result.
json() {
        python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$CONF" "$1"
}

# ls output with the dot leaders folded, so expectations do not depend on path lengths.
ls_folded() {
        it ls "$@" | sed -E 's/ \.{3,} / ... /'
}

free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait (bounded) for a condition; not a timing assertion, just the time a daemon may need.
wait_for() {
        local i
        for i in $(seq 1 100); do
                if eval "$1"; then
                        return 0
                fi
                sleep 0.1
        done
        return 1
}
