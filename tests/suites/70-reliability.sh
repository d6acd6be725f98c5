#!/usr/bin/env bash
# Reliability under crashes and full or failing disks, with the real programs: iscsiadm's node
# DB and iscsi-target's saveconfig.json, each interrupted by SIGKILL at a random filesystem call
# (tests/lib/fault-inject.c) and made to fail with ENOSPC (a full tmpfs in a mount namespace)
# and EIO (injected on write, fsync and rename). After each: every file holds its old or its new
# content, never a mix, nothing is left locked, and a failed command says why and exits non-zero.
# Step names carry the fault. Wall time: about 40 s on 2 cores (KILL_RUNS=50).
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}" "${OUT_DIR:?}"
# A private mount namespace, for the full tmpfs of the ENOSPC steps.
if [ -z "${RELIABILITY_MNTNS:-}" ] && unshare -m true 2>/dev/null; then
        RELIABILITY_MNTNS=1 exec unshare -m bash "$0" "$@"
fi
. "$SRC_DIR/tests/lib/suite.sh"
KILL_RUNS=${KILL_RUNS:-50}
SEED=${SEED:-$$}
RANDOM=$SEED
WORK=$(mktemp -d /tmp/reliability.XXXXXX)
RESP_PID=
cleanup() { stop_pid "$RESP_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
. "$SRC_DIR/tests/lib/crash-db.sh"
echo "# seed $SEED (SEED=$SEED reproduces the random kill points)" >&2

for f in "$INJ" "$ADM" "$TGT" "$BUILD_DIR/tests/unit-node/st-responder"; do
        [ -x "$f" ] || [ -f "$f" ] || { echo "1..1"; echo "not ok 1 - reliability: $f not built"; exit 1; }
done

# ---- node DB: a responder for discovery and a DB to start from ----
ST_PORT=$(free_port)
"$BUILD_DIR/tests/unit-node/st-responder" -l 127.0.0.1 -p "$ST_PORT" -n 4 -a 2 -r "$WORK/ready" 2>/dev/null &
RESP_PID=$!
for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.05; done
DB=$WORK/db
mkdir -p "$DB/etc/iscsi"
echo "InitiatorName=iqn.2026-12.test:reliability" >"$DB/etc/iscsi/initiatorname.iscsi"
ISCSI_ROOT=$DB "$ADM" -m discovery -t st -p "127.0.0.1:$ST_PORT" >/dev/null 2>&1
ISCSI_ROOT=$DB "$ADM" -m node -o new -T iqn.2026-12.test:static0 -p 127.0.0.1:3261 >/dev/null 2>&1

# The op of kill run I on the node DB (one of -o new, -o update, -o delete, discovery).
nodedb_op() {
        local i=$1 victim
        case $((i % 4)) in
        0) OP=(-m node -o new -T "iqn.2026-12.test:new$i" -p "127.0.0.1:$((3300 + i))") ;;
        1) OP=(-m node -o update -n node.session.timeo.replacement_timeout -v $((100 + i))) ;;
        2) victim=$(ISCSI_ROOT=$DB "$ADM" -m node 2>/dev/null | awk '$2 != "iqn.2026-12.test:static0" { print $2; exit }')
           OP=(-m node -o delete -T "${victim:-iqn.2026-12.test:none}") ;;
        3) OP=(-m discovery -t st -p "127.0.0.1:$ST_PORT") ;;
        esac
}

kill_nodedb() {
        local names=("-o new" "-o update" "-o delete" "discovery") i killed=(0 0 0 0) runs=(0 0 0 0) bad=(0 0 0 0) tmps=0
        for i in $(seq 0 $((KILL_RUNS - 1))); do
                nodedb_op "$i"
                local k=$((i % 4))
                runs[k]=$((runs[k] + 1))
                if ! fault_once "$DB" 0 kill "$ADM" "${OP[@]}"; then
                        bad[k]=$((bad[k] + 1)); continue
                fi
                [ "$RC" = 137 ] && killed[k]=$((killed[k] + 1))
                if ! check_old_or_new "$DB" || ! nodedb_usable "$DB"; then
                        echo "# run $i: kill at call $NTH of $CALLS of iscsiadm ${OP[*]}" >&2
                        bad[k]=$((bad[k] + 1))
                fi
                tmps=$TMPS
        done
        for k in 0 1 2 3; do
                local name="kill -9 iscsiadm ${names[k]} at a random write/fsync/rename/unlink/mkdir/symlink (${runs[k]} runs, ${killed[k]} killed): every record old or new, DB unlocked"
                [ "${bad[k]}" = 0 ] && tap ok "$name" || tap not-ok "$name" "${bad[k]} runs mixed or locked"
        done
        echo "# node DB after $KILL_RUNS kills: $tmps temp files left (ignored by readers)" >&2
}
kill_nodedb

# ---- EIO: each write/fsync/rename/unlink/mkdir/symlink call of an update fails once ----
eio_nodedb() {
        local t p name="EIO on each write/fsync/rename/unlink/mkdir/symlink of iscsiadm -o update"
        read -r p t < <(ISCSI_ROOT=$DB "$ADM" -m node 2>/dev/null | awk '{ sub(/,[0-9-]+$/, "", $1); print $1, $2; exit }')
        if fault_sweep "$DB" eio nodedb_usable "$ADM" -m node -T "$t" -p "$p" -o update \
                -n node.session.auth.username -v "user$RANDOM"; then
                tap ok "$name ($SWEEP_RUNS runs, $SWEEP_FAILED_RUNS failed with the message): record old or new, new only on exit 0"
        else
                tap not-ok "$name" "see the log"
        fi
        if fault_sweep "$DB" eio nodedb_usable "$ADM" -m node -o update -n node.session.timeo.replacement_timeout -v $((RANDOM % 100 + 1)); then
                tap ok "EIO on each call of iscsiadm -o update of every record (batch, $SWEEP_RUNS runs, $SWEEP_FAILED_RUNS failed with the message): records old or new"
        else
                tap not-ok "EIO on each call of iscsiadm -o update of every record" "see the log"
        fi
}
eio_nodedb
