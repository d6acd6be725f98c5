#!/usr/bin/env bash
# Reliability under crashes and full or failing disks, with the real programs: iscsiadm's node
# DB and iscsi-target's saveconfig.json, each interrupted by SIGKILL at a random filesystem call
# (tests/lib/fault-inject.c) and made to fail with ENOSPC (a full tmpfs in a mount namespace)
# and EIO (injected on write, fsync and rename). After each: every file holds its old or its new
# content, never a mix, nothing is left locked, a failed command says why and exits non-zero,
# and the next run removes the temp files the killed one left. The same faults on iscsid's
# session state files (tests/unit-iscsid/state-file-tool drives iscsid's writer and its
# adoption at start; the real iscsid starts once on a fake sysfs). Also: the target's fileio backing file on a filesystem that fills up (SPACE ALLOCATION FAILED,
# the other LUN serves, writes work again after space is freed; tests/lib/scsi-io.py), and
# floods: 1000 silent connections beside 200 logins/s and a working session (tests/lib/flood.py).
# Step names carry the fault. Wall time: about 40 s + 2 s + 45 s on 2 idle cores; needs root
# for the tmpfs (the ENOSPC steps skip, saying why, without it).
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}" "${OUT_DIR:?}"
# A private mount namespace, for the full tmpfs of the ENOSPC steps.
if [ -z "${RELIABILITY_MNTNS:-}" ] && unshare -m true 2>/dev/null; then
        RELIABILITY_MNTNS=1 exec unshare -m bash "$0" "$@"
fi
. "$SRC_DIR/tests/lib/suite.sh"
KILL_RUNS=${KILL_RUNS:-50}
STEPS=${RELIABILITY_STEPS:-crash backing flood}   # which groups of steps run (bench/db-crash.sh: crash)
want() { [[ " $STEPS " == *" $1 "* ]]; }
SEED=${SEED:-$$}
RANDOM=$SEED
WORK=$(mktemp -d /tmp/reliability.XXXXXX)
RESP_PID= TD_PID= KEEPER_PID= SILENT_PID=
cleanup() { stop_pid "$SILENT_PID"; stop_pid "$KEEPER_PID"; stop_pid "$TD_PID"; stop_pid "$RESP_PID"; rm -rf "$WORK"; }
trap cleanup EXIT
. "$SRC_DIR/tests/lib/fault-run.sh"
. "$SRC_DIR/tests/lib/fake-sysfs.sh"
echo "# seed $SEED (SEED=$SEED reproduces the random kill points)" >&2

for f in "$INJ" "$ADM" "$TGT" "$BUILD_DIR/tests/unit-node/st-responder" "$BUILD_DIR/tests/unit-iscsid/state-file-tool" \
         "$BUILD_DIR/iscsid/iscsid"; do
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
           if [ -z "$victim" ]; then   # all deleted: make one with two portals first
                   victim=iqn.2026-12.test:victim$i
                   ISCSI_ROOT=$DB "$ADM" -m node -o new -T "$victim" -p 127.0.0.1:3270 >/dev/null 2>&1
                   ISCSI_ROOT=$DB "$ADM" -m node -o new -T "$victim" -p 127.0.0.2:3270 >/dev/null 2>&1
           fi
           OP=(-m node -o delete -T "$victim") ;;
        3) OP=(-m discovery -t st -p "127.0.0.1:$ST_PORT") ;;
        esac
}

# temps_in DIR: the temp files of the atomic writer (".#NAME.XXXXXX") under DIR, one a line
temps_in() { find "$1" -name '.#*' 2>/dev/null; }

kill_nodedb() {
        local names=("-o new" "-o update" "-o delete" "discovery") i killed=(0 0 0 0) runs=(0 0 0 0) bad=(0 0 0 0)
        local left=(0 0 0 0) kept=(0 0 0 0) rc
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
                left[k]=$((left[k] + TMPS))
                # the next write: the same op again, not interrupted (a delete may find nothing
                # left to delete: 21). It removes what the killed one left, under the lock.
                ISCSI_ROOT=$DB "$ADM" "${OP[@]}" >"$WORK/again" 2>&1
                rc=$?
                if { [ $rc != 0 ] && ! { [ $k = 2 ] && [ $rc = 21 ]; }; } || [ -n "$(temps_in "$DB")" ] || ! nodedb_usable "$DB"; then
                        echo "# run $i: after iscsiadm ${OP[*]} again (exit $rc, $(head -c 200 "$WORK/again")): temp files $(temps_in "$DB" | tr '\n' ' ')" >&2
                        kept[k]=$((kept[k] + 1))
                fi
        done
        for k in 0 1 2 3; do
                local name="kill -9 iscsiadm ${names[k]} at a random write/fsync/rename/unlink/mkdir/symlink (${runs[k]} runs, ${killed[k]} killed): every record old or new, DB unlocked"
                [ "${bad[k]}" = 0 ] && tap ok "$name" || tap not-ok "$name" "${bad[k]} runs mixed or locked"
                name="kill -9 iscsiadm ${names[k]}: the next run of it leaves no temp file and the DB unlocked (${left[k]} temp files left by the kills)"
                [ "${kept[k]}" = 0 ] && tap ok "$name" || tap not-ok "$name" "${kept[k]} runs left temp files, failed or left the DB locked"
        done
        echo "# node DB after $KILL_RUNS kills: temp files left by the kills ${left[*]} (-o new, -o update, -o delete, discovery), 0 after each next run" >&2
}

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

# ---- ENOSPC: the DB on a tmpfs that is full ----
# full_tmpfs DIR: a 512 KiB tmpfs at DIR, then filled; 1 when no mount namespace lets us mount.
full_tmpfs() {
        mkdir -p "$1"
        [ -n "${RELIABILITY_MNTNS:-}" ] && mount -t tmpfs -o size=512k,mode=0700 tmpfs "$1" 2>/dev/null || return 1
}
fill() { head -c 1M /dev/zero >"$1/filler" 2>/dev/null; sync; }

# enospc_step NAME USABLE LIVE CMD...: CMD on the full LIVE fails with exit != 0 and "No space
# left on device", leaves LIVE exactly as it was and no temp file; after the filler is removed
# the same CMD succeeds.
enospc_step() {
        local name=$1 usable=$2 live=$3 rc
        shift 3
        rm -rf "$WORK/old"
        cp -a "$live" "$WORK/old"
        subst_root "$live" "$@"
        ISCSI_ROOT=$live "${CMD[@]}" >"$WORK/out" 2>&1
        rc=$?
        if [ $rc = 0 ] || ! grep -q "No space left on device" "$WORK/out"; then
                tap not-ok "$name" "exit $rc: $(head -c 300 "$WORK/out")"
                return
        fi
        if ! python3 "$OLD_OR_NEW" "$WORK/old" "$WORK/old" "$live" --strict-tmp >/dev/null 2>"$WORK/mixed" || ! "$usable" "$live"; then
                tap not-ok "$name" "$(tr '\n' ';' <"$WORK/mixed")"
                return
        fi
        local msg
        msg=$(grep -m1 "No space left" "$WORK/out")
        rm -f "$live/filler"
        if ! ISCSI_ROOT=$live "${CMD[@]}" >"$WORK/out" 2>&1; then
                tap not-ok "$name" "still failing after space was freed: $(head -c 300 "$WORK/out")"
                return
        fi
        echo "# $name: exit $rc, $msg" >&2
        tap ok "$name"
}

enospc_nodedb() {
        local full=$WORK/full-db t p
        if ! full_tmpfs "$full"; then
                for s in "-o new" "-o update" "discovery"; do tap skip "ENOSPC iscsiadm $s on a full tmpfs" "no mount namespace (unshare -m) to mount a tmpfs in"; done
                return
        fi
        mkdir -p "$full/etc/iscsi"
        echo "InitiatorName=iqn.2026-12.test:reliability" >"$full/etc/iscsi/initiatorname.iscsi"
        ISCSI_ROOT=$full "$ADM" -m discovery -t st -p "127.0.0.1:$ST_PORT" >/dev/null 2>&1
        read -r p t < <(ISCSI_ROOT=$full "$ADM" -m node 2>/dev/null | awk '{ sub(/,[0-9-]+$/, "", $1); print $1, $2; exit }')
        fill "$full"
        enospc_step "ENOSPC iscsiadm -o update on a full tmpfs: fails with the message, record unchanged, works once space is freed" \
                nodedb_usable "$full" "$ADM" -m node -T "$t" -p "$p" -o update -n node.session.auth.username -v someone
        fill "$full"
        enospc_step "ENOSPC iscsiadm -o new on a full tmpfs: fails with the message, DB unchanged, works once space is freed" \
                nodedb_usable "$full" "$ADM" -m node -o new -T iqn.2026-12.test:enospc -p 127.0.0.1:3999
        ISCSI_ROOT=$full "$ADM" -m node -o delete >/dev/null 2>&1
        fill "$full"
        enospc_step "ENOSPC iscsiadm discovery on a full tmpfs: fails with the message, DB unchanged, works once space is freed" \
                nodedb_usable "$full" "$ADM" -m discovery -t st -p "127.0.0.1:$ST_PORT"
        umount "$full"
}

# ---- iscsi-target's saveconfig.json: the same faults ----
TC=$WORK/target
mkdir -p "$TC"
# A backstore's wwn is made at random: the same create twice gives two.
OLD_OR_NEW_OPTS=--json-ignore=wwn
"$TGT" -c "$TC/saveconfig.json" -n /backstores/ramdisk create rd0 1M >/dev/null 2>&1
"$TGT" -c "$TC/saveconfig.json" -n /iscsi create iqn.2026-12.test:base >/dev/null 2>&1

# The op of kill run I on the target config: create a ramdisk, a target, an ACL, delete a target.
target_op() {
        local i=$1 victim
        case $((i % 4)) in
        0) OP=(/backstores/ramdisk create "rd$((i + 1))" 1M) ;;
        1) OP=(/iscsi create "iqn.2026-12.test:t$i") ;;
        2) OP=(/iscsi/iqn.2026-12.test:base/tpg1/acls create "iqn.2026-12.test:init$i") ;;
        3) victim=$("$TGT" -c "$TC/saveconfig.json" -n /iscsi ls 2>/dev/null | grep -o 'iqn.2026-12.test:t[0-9]*' | head -1)
           if [ -z "$victim" ]; then
                   victim=iqn.2026-12.test:t$i
                   "$TGT" -c "$TC/saveconfig.json" -n /iscsi create "$victim" >/dev/null 2>&1
           fi
           OP=(/iscsi delete "$victim") ;;
        esac
}

kill_target() {
        local i k runs=0 killed=0 bad=0 left=0 kept=0
        for i in $(seq 0 $((KILL_RUNS / 2 - 1))); do
                target_op "$i"
                runs=$((runs + 1))
                if ! fault_once "$TC" 0 kill "$TGT" -c @ROOT@/saveconfig.json -n "${OP[@]}"; then
                        bad=$((bad + 1)); continue
                fi
                [ "$RC" = 137 ] && killed=$((killed + 1))
                if ! check_old_or_new "$TC"; then
                        echo "# run $i: kill at call $NTH of $CALLS of iscsi-target ${OP[*]}" >&2
                        bad=$((bad + 1))
                fi
                left=$((left + TMPS))
                # the next run (ls) takes the lock, loads, and removes what the killed one left
                if ! targetcfg_usable "$TC"; then
                        bad=$((bad + 1))
                elif [ -n "$(temps_in "$TC")" ]; then
                        echo "# run $i: temp files after the next run: $(temps_in "$TC" | tr '\n' ' ')" >&2
                        kept=$((kept + 1))
                fi
        done
        local name="kill -9 iscsi-target create/delete at a random write/fsync/rename/unlink/mkdir ($runs runs, $killed killed): saveconfig.json old or new, unlocked"
        [ $bad = 0 ] && tap ok "$name" || tap not-ok "$name" "$bad runs mixed or locked"
        name="kill -9 iscsi-target create/delete: the next run leaves no temp file of saveconfig.json ($left left by the kills)"
        [ $kept = 0 ] && tap ok "$name" || tap not-ok "$name" "$kept runs left temp files"
        echo "# target config after the kills: $left temp files left by the kills, 0 after each next run" >&2
}

eio_target() {
        if fault_sweep "$TC" eio targetcfg_usable "$TGT" -c @ROOT@/saveconfig.json -n /iscsi create iqn.2026-12.test:eio; then
                tap ok "EIO on each write/fsync/rename/unlink/mkdir of iscsi-target /iscsi create ($SWEEP_RUNS runs, $SWEEP_FAILED_RUNS failed with the message): saveconfig.json old or new, new only on exit 0"
        else
                tap not-ok "EIO on each write/fsync/rename/unlink/mkdir of iscsi-target /iscsi create" "see the log"
        fi
}

enospc_target() {
        local full=$WORK/full-target name="ENOSPC iscsi-target /iscsi create on a full tmpfs: fails with the message, saveconfig.json unchanged, works once space is freed"
        if ! full_tmpfs "$full"; then
                tap skip "$name" "no mount namespace (unshare -m) to mount a tmpfs in"
                return
        fi
        cp "$TC/saveconfig.json" "$full/"
        fill "$full"
        enospc_step "$name" targetcfg_usable "$full" "$TGT" -c "$full/saveconfig.json" -n /iscsi create iqn.2026-12.test:enospc
        umount "$full"
}

# ---- iscsid's session state files (<run dir>/sessions/<sid>.json): the writer iscsid calls
# after each login, driven without a kernel by tests/unit-iscsid/state-file-tool, and the
# adoption at the next start (the tool's manager_resync(), and the real iscsid once, both on a
# fake sysfs that holds the session) ----
SFT=$BUILD_DIR/tests/unit-iscsid/state-file-tool
ISCSID=$BUILD_DIR/iscsid/iscsid
SF_SID=7 SF_TARGET=iqn.2026-12.test:statefile
RUNDIR=$WORK/iscsid-run
STATE_CMDSN=   # the initial CmdSN the state file holds now (set by statefile_usable)

# statefile_usable RUN: the next start adopts session SF_SID from the state file (its CmdSN
# and CHAP user belong together: one whole file) and leaves no temp file behind. Sets
# STATE_CMDSN.
statefile_usable() {
        local out
        out=$("$SFT" "$1" adopt "$SF_SID" "$SF_TARGET" 2>"$WORK/adopt.err")
        if ! [[ $out =~ ^adopted\ $SF_SID\ $SF_TARGET\ cmdsn\ ([0-9]+)\ user\ user([0-9]+)$ ]] ||
           [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
                echo "# adoption after the fault: '$out' $(tr '\n' ';' <"$WORK/adopt.err")" >&2
                return 1
        fi
        STATE_CMDSN=${BASH_REMATCH[1]}
        [ -z "$(temps_in "$1")" ] || { echo "# temp files after the start: $(temps_in "$1" | tr '\n' ' ')" >&2; return 1; }
}

# iscsid_adopts RUN PATTERN: the real iscsid started on RUN and a fake sysfs with session
# SF_SID logs PATTERN, gets ready and keeps running; stopped afterwards.
iscsid_adopts() {
        local run=$1 pattern=$2 sys=$WORK/sysfs pid ok=1
        rm -rf "$sys"
        fake_sysfs_init "$sys"
        fake_sysfs_session "$sys" "$SF_SID" 17 "$SF_TARGET" 127.0.0.1 3260 1
        mkdir -p "$WORK/iscsid-root"
        ISCSI_ROOT=$WORK/iscsid-root ISCSI_SYSFS_ROOT=$sys ISCSID_RUN_DIR=$run ISCSID_NO_KMOD=1 \
                "$ISCSID" -f -s "$WORK/iscsid.sock" >"$WORK/iscsid.log" 2>&1 &
        pid=$!
        for _ in $(seq 100); do grep -q "ready" "$WORK/iscsid.log" && break; sleep 0.05; done
        sleep 0.3
        grep -q "ready" "$WORK/iscsid.log" && grep -qE "$pattern" "$WORK/iscsid.log" && kill -0 "$pid" 2>/dev/null || ok=0
        cp "$WORK/iscsid.log" "$OUT_DIR/70-iscsid-adopt.log"
        stop_pid "$pid"
        [ $ok = 1 ] || { echo "# iscsid: $(tr '\n' ';' <"$WORK/iscsid.log")" >&2; return 1; }
}

kill_statefile() {
        local i runs=0 killed=0 bad=0 left=0 old
        "$SFT" "$RUNDIR" save "$SF_SID" "$SF_TARGET" 100 2>/dev/null && statefile_usable "$RUNDIR" ||
                { tap not-ok "kill -9 of iscsid's state file writer" "no first state file"; return; }
        for i in $(seq 1 $((KILL_RUNS / 2))); do
                runs=$((runs + 1))
                old=$STATE_CMDSN
                if ! fault_once "$RUNDIR" 0 kill "$SFT" @ROOT@ save "$SF_SID" "$SF_TARGET" $((200 + i)); then
                        bad=$((bad + 1)); continue
                fi
                [ "$RC" = 137 ] && killed=$((killed + 1))
                local whole=1
                TMPS=0
                check_old_or_new "$RUNDIR" || whole=0
                left=$((left + TMPS))
                if [ $whole = 0 ] || ! statefile_usable "$RUNDIR" ||
                   { [ "$STATE_CMDSN" != "$old" ] && [ "$STATE_CMDSN" != $((200 + i)) ]; }; then
                        echo "# run $i: kill at call $NTH of $CALLS: adopted CmdSN $STATE_CMDSN (old $old, new $((200 + i)))" >&2
                        bad=$((bad + 1))
                fi
        done
        local name="kill -9 of iscsid's state file writer at a random write/fsync/rename ($runs runs, $killed killed): <sid>.json old or new, the next start adopts it whole and removes the $left temp files the kills left"
        [ $bad = 0 ] && tap ok "$name" || tap not-ok "$name" "$bad runs torn, not adopted or with temp files left"
        echo "# iscsid state file after $runs kills: $left temp files left by the kills, 0 after each next start" >&2
        # with what a kill between mkostemp() and rename() leaves, and the file of a session the
        # kernel lost while no daemon ran
        : >"$RUNDIR/sessions/.#$SF_SID.json.AbC123"
        cp "$RUNDIR/sessions/$SF_SID.json" "$RUNDIR/sessions/9.json"
        name="kill -9 of iscsid's state file writer, then the real iscsid starts: adopts the session with the surviving file, removes the temp file and the file of a session the kernel lost, keeps running"
        if iscsid_adopts "$RUNDIR" "adopted session $SF_SID \[target: $SF_TARGET" &&
           grep -q "removed the state file of session 9" "$WORK/iscsid.log" && [ "$(ls -A "$RUNDIR/sessions")" = "$SF_SID.json" ]; then
                tap ok "$name"
        else
                tap not-ok "$name" "left: $(ls -A "$RUNDIR/sessions" | tr '\n' ' ')"
        fi
        # what our writer never leaves but a disk error or another writer can: half a file
        local half=$WORK/torn-run
        rm -rf "$half"
        cp -a "$RUNDIR" "$half"
        head -c 300 "$RUNDIR/sessions/$SF_SID.json" >"$half/sessions/$SF_SID.json"
        name="kill -9 aftermath, a torn state file (half of one): iscsid ignores it with a message, adopts the session from sysfs, keeps running"
        iscsid_adopts "$half" "session $SF_SID: its state file is unusable.*ignored" &&
                grep -q "adopted session $SF_SID \[target: $SF_TARGET" "$WORK/iscsid.log" && tap ok "$name" || tap not-ok "$name" "see the log"
}

eio_statefile() {
        local name="EIO on each write/fsync/rename of iscsid's state file writer"
        if fault_sweep "$RUNDIR" eio statefile_usable "$SFT" @ROOT@ save "$SF_SID" "$SF_TARGET" 300; then
                tap ok "$name ($SWEEP_RUNS runs, $SWEEP_FAILED_RUNS failed with the message): <sid>.json old or new, new only on success, adopted whole"
        else
                tap not-ok "$name" "see the log"
        fi
        grep -m1 "cannot save" "$WORK/out" | sed 's/^/# iscsid state file EIO: /' >&2
}

enospc_statefile() {
        local full=$WORK/full-run name="ENOSPC iscsid's state file on a full tmpfs: the error says so, the old <sid>.json stays and is adopted, saving works once space is freed"
        if ! full_tmpfs "$full"; then
                tap skip "$name" "no mount namespace (unshare -m) to mount a tmpfs in"
                return
        fi
        "$SFT" "$full" save "$SF_SID" "$SF_TARGET" 400 2>/dev/null
        fill "$full"
        enospc_step "$name" statefile_usable "$full" "$SFT" @ROOT@ save "$SF_SID" "$SF_TARGET" 401
        umount "$full"
}

# ---- floods against iscsi-targetd: silent connections and a login storm ----
TARGETD=$BUILD_DIR/iscsi-target/daemon/iscsi-targetd
FLOOD=$SRC_DIR/tests/lib/flood.py
FLOOD_TARGET=iqn.2026-12.test:flood
FLOOD_CONNS=${FLOOD_CONNS:-1000}
LOGIN_TIMEOUT_S=30   # iscsi-target/daemon/iscsi-conn.c LOGIN_TIMEOUT_USEC

kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

start_flood_target() {   # sets TD_PID, TD_PORT; RLIMIT_NOFILE as units/iscsi-targetd.service (or the hard limit)
        TD_PORT=$(free_port)
        cat >"$WORK/flood.json" <<JSON
{ "fabric_modules": [],
  "storage_objects": [ { "plugin": "ramdisk", "name": "flood0", "size": 16777216, "attributes": {} } ],
  "targets": [ { "wwn": "$FLOOD_TARGET", "fabric": "iscsi", "tpgs": [ { "tag": 1, "enable": true,
      "attributes": { "authentication": 0, "generate_node_acls": 1, "demo_mode_write_protect": 0 },
      "parameters": {}, "luns": [ { "index": 0, "storage_object": "/backstores/ramdisk/flood0" } ],
      "portals": [ { "ip_address": "127.0.0.1", "iser": false, "offload": false, "port": $TD_PORT } ],
      "node_acls": [] } ] } ] }
JSON
        local nofile=65536
        [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $nofile ] && nofile=$(ulimit -Hn)
        (ulimit -n "$nofile" && exec "$TARGETD" -f -c "$WORK/flood.json" -p "" -t 2 >"$OUT_DIR/70-targetd-flood.log" 2>&1) &
        TD_PID=$!
        wait_port "$TD_PORT"
}

# iops_per_second LOG: iscsi-perf's "iops current N" values, one per line
iops_per_second() { tr '\r' '\n' <"$1" | sed -nE 's/.*iops current ([0-9]+) .*/\1/p'; }

flood_steps() {
        local url rss0 fd0 rss1 fd1 opened line
        if ! command -v iscsi-perf >/dev/null; then
                tap skip "flood $FLOOD_CONNS silent connections and 200 logins/s" "libiscsi-bin (iscsi-perf) not installed"
                return
        fi
        if ! start_flood_target; then
                tap not-ok "flood: iscsi-targetd starts" "see $OUT_DIR/70-targetd-flood.log"
                return
        fi
        url="iscsi://127.0.0.1:$TD_PORT/$FLOOD_TARGET/0"
        # warm up (thread stacks, the first sessions), then the baseline
        python3 "$FLOOD" logins "$TD_PORT" 100 1 "$FLOOD_TARGET" iqn.2026-12.test:warmup >/dev/null
        sleep 1
        rss0=$(kib "$TD_PID" VmRSS) fd0=$(nfds "$TD_PID")
        local secs=$((LOGIN_TIMEOUT_S + 12))
        timeout "$secs" iscsi-perf -i iqn.2026-12.test:keeper -m 8 "$url" >"$WORK/keeper.log" 2>&1 &
        KEEPER_PID=$!
        python3 "$FLOOD" silent "$TD_PORT" "$FLOOD_CONNS" $((LOGIN_TIMEOUT_S + 8)) >"$WORK/silent.out" 2>&1 &
        SILENT_PID=$!
        for _ in $(seq 200); do grep -q '^opened' "$WORK/silent.out" && break; sleep 0.1; done
        opened=$(sed -n 's/^opened //p' "$WORK/silent.out")
        local fds=$(nfds "$TD_PID")
        if [ "${opened:-0}" = "$FLOOD_CONNS" ] && [ "$fds" -ge "$FLOOD_CONNS" ]; then
                tap ok "flood $FLOOD_CONNS TCP connections that never speak: all accepted"
        else
                tap not-ok "flood $FLOOD_CONNS TCP connections that never speak: all accepted" "opened ${opened:-0}, daemon holds $fds fds"
        fi
        line=$(python3 "$FLOOD" logins "$TD_PORT" 200 5 "$FLOOD_TARGET" iqn.2026-12.test:storm)
        echo "# login storm during the silent flood: $line" >&2
        local ok=$(awk '{ print $4 }' <<<"$line") total=$(awk '{ print $2 }' <<<"$line") rate=$(awk '{ print $8 }' <<<"$line")
        if [ "${total:-0}" -gt 0 ] && [ "$ok" = "$total" ] && [ "${rate:-0}" -ge 180 ]; then
                tap ok "flood 200 logins/s for 5 s beside the silent connections: $ok of $total logged in and out"
        else
                tap not-ok "flood 200 logins/s for 5 s beside the silent connections: all log in and out" "$line"
        fi
        wait "$SILENT_PID"
        SILENT_PID=
        line=$(grep '^closed_by_target' "$WORK/silent.out")
        echo "# silent connections: $line" >&2
        local closed first last
        read -r _ closed _ first _ last <<<"$line"
        if [ "${closed:-0}" = "$FLOOD_CONNS" ] && [ "${first%.*}" -ge $((LOGIN_TIMEOUT_S - 1)) ] && [ "${last%.*}" -le $((LOGIN_TIMEOUT_S + 6)) ]; then
                tap ok "flood: the target dropped all $FLOOD_CONNS silent connections after its ${LOGIN_TIMEOUT_S} s login timeout (from ${first} s to ${last} s)"
        else
                tap not-ok "flood: the target dropped all silent connections after its login timeout" "$line"
        fi
        wait "$KEEPER_PID" 2>/dev/null
        KEEPER_PID=
        local n min avg
        read -r n min avg < <(iops_per_second "$WORK/keeper.log" | awk 'NR == 1 || $1 < m { m = $1 } { s += $1 } END { printf "%d %d %d\n", NR, m, NR ? s / NR : 0 }')
        echo "# keeper session (iscsi-perf): $n seconds, worst second $min IOPS, average $avg IOPS" >&2
        if [ "$n" -ge $((secs - 3)) ] && [ "$min" -gt 0 ]; then
                tap ok "flood: an established session kept being served every second ($n s, worst second $min IOPS, average $avg)"
        else
                tap not-ok "flood: an established session kept being served every second" "$n seconds reported, worst $min IOPS"
        fi
        sleep 1
        rss1=$(kib "$TD_PID" VmRSS) fd1=$(nfds "$TD_PID")
        # RSS is reported, not judged: it does not come back to the baseline today (about +6 MiB per
        # 1000-connection flood, more over repeated floods: bench/flood.sh measures it per round).
        echo "# iscsi-targetd RSS ${rss0} KiB before the flood, $rss1 KiB after; fds $fd0 before, $fd1 after" >&2
        if [ "$fd1" -le "$fd0" ]; then
                tap ok "flood: iscsi-targetd released every descriptor afterwards (fds $fd0 -> $fd1)"
        else
                tap not-ok "flood: iscsi-targetd released every descriptor afterwards" "fds $fd0 -> $fd1"
        fi
        stop_pid "$TD_PID"
        TD_PID=
}

# ---- the target's backing store fills up ----
SCSI_IO=$SRC_DIR/tests/lib/scsi-io.py
BACK_TARGET=iqn.2026-12.test:backing BACK_INIT=iqn.2026-12.test:backing-init

# scsi_io OP...: one session to BACK_TARGET, the results in $WORK/io (one line per OP)
scsi_io() { timeout 30 python3 "$SCSI_IO" "$TD_PORT" "$BACK_TARGET" "$BACK_INIT" "$@" >"$WORK/io" 2>&1; }

enospc_backing() {
        local full=$WORK/full-lun cfg=$WORK/backing.json name far=65536
        name="ENOSPC backing file on a full filesystem: WRITE gets DATA PROTECT, SPACE ALLOCATION FAILED (27/07)"
        if ! full_tmpfs "$full"; then
                tap skip "$name" "no mount namespace (unshare -m) to mount a tmpfs in"
                return
        fi
        TD_PORT=$(free_port)
        { "$TGT" -c "$cfg" -n /backstores/fileio create thin0 "$full/thin0.img" 64M &&
          "$TGT" -c "$cfg" -n /backstores/ramdisk create rd0 1M &&
          "$TGT" -c "$cfg" -n /iscsi create "$BACK_TARGET" &&
          "$TGT" -c "$cfg" -n "/iscsi/$BACK_TARGET/tpg1/luns" create /backstores/fileio/thin0 &&
          "$TGT" -c "$cfg" -n "/iscsi/$BACK_TARGET/tpg1/luns" create /backstores/ramdisk/rd0 &&
          "$TGT" -c "$cfg" -n "/iscsi/$BACK_TARGET/tpg1/acls" create "$BACK_INIT" &&
          "$TGT" -c "$cfg" -n "/iscsi/$BACK_TARGET/tpg1/portals" delete 0.0.0.0 3260 &&
          "$TGT" -c "$cfg" -n "/iscsi/$BACK_TARGET/tpg1/portals" create 127.0.0.1 "$TD_PORT"; } >"$WORK/backing-setup.log" 2>&1
        "$TARGETD" -f -c "$cfg" -p "" -t 2 >"$OUT_DIR/70-targetd-backing.log" 2>&1 &
        TD_PID=$!
        if ! wait_port "$TD_PORT" || ! scsi_io write:0:0 write:1:0 || [ "$(grep -c 'status 0$' "$WORK/io")" != 2 ]; then
                tap not-ok "$name" "setup: $(tr '\n' ';' <"$WORK/io") $(tail -3 "$WORK/backing-setup.log" | tr '\n' ';')"
                stop_pid "$TD_PID"; TD_PID=; umount "$full"; return
        fi
        fill "$full"
        scsi_io write:0:$far write:1:8 read:1:8
        echo "# backing store full: $(tr '\n' ';' <"$WORK/io")" >&2
        if grep -q "^write:0:$far status 2 sense 7/0x27/0x07$" "$WORK/io"; then tap ok "$name"; else tap not-ok "$name" "$(tr '\n' ';' <"$WORK/io")"; fi
        if grep -q '^write:1:8 status 0$' "$WORK/io" && grep -q '^read:1:8 status 0 data ok$' "$WORK/io"; then
                tap ok "ENOSPC: the other LUN of the target keeps serving (WRITE and READ back on LUN 1)"
        else
                tap not-ok "ENOSPC: the other LUN of the target keeps serving" "$(tr '\n' ';' <"$WORK/io")"
        fi
        if kill -0 "$TD_PID" 2>/dev/null; then tap ok "ENOSPC: iscsi-targetd keeps running"; else tap not-ok "ENOSPC: iscsi-targetd keeps running" "it exited"; fi
        rm -f "$full/filler"
        scsi_io write:0:$far read:0:$far
        if grep -q "^write:0:$far status 0$" "$WORK/io" && grep -q "^read:0:$far status 0 data ok$" "$WORK/io"; then
                tap ok "ENOSPC: writes work again once space is freed (WRITE and READ back on LUN 0)"
        else
                tap not-ok "ENOSPC: writes work again once space is freed" "$(tr '\n' ';' <"$WORK/io")"
        fi
        stop_pid "$TD_PID"
        TD_PID=
        umount "$full"
}

if want crash; then
        kill_nodedb
        eio_nodedb
        enospc_nodedb
        kill_target
        eio_target
        enospc_target
        kill_statefile
        eio_statefile
        enospc_statefile
fi
want backing && enospc_backing
want flood && flood_steps
echo "1..$N"
