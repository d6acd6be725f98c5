# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/suites/70-reliability.sh and bench/db-crash.sh: interrupt or fail the real
# iscsiadm and iscsi-target at one chosen filesystem call (tests/lib/fault-inject.c) and check
# that what is on disk is each file's old or new content (tests/lib/old-or-new.py).
# Needs: BUILD_DIR, SRC_DIR, WORK (a scratch directory).
INJ=$BUILD_DIR/tests/fault-inject.so
ADM=$BUILD_DIR/iscsiadm/iscsiadm
TGT=$BUILD_DIR/iscsi-target/admin/iscsi-target
OLD_OR_NEW=$SRC_DIR/tests/lib/old-or-new.py

# run_at ROOT NTH ACTION CMD...: CMD with the fault at its NTH call under ROOT (0 = none);
# $WORK/count gets the number of calls it made. Returns CMD's exit status (137 = killed).
run_at() {
        local root=$1 nth=$2 action=$3
        shift 3
        rm -f "$WORK/count"
        # in the background and waited for, so bash prints no "Killed" notice
        ISCSI_ROOT=$root LD_PRELOAD=$INJ FAULT_PATH=$root FAULT_NTH=$nth FAULT_ACTION=$action \
                FAULT_COUNT_FILE=$WORK/count "$@" >"$WORK/out" 2>&1 &
        { wait $!; } 2>/dev/null
}

# The command line of an op with its root: "@ROOT@" in CMD is replaced by the root.
subst_root() {
        local root=$1 a
        shift
        CMD=()
        for a in "$@"; do CMD+=("${a//@ROOT@/$root}"); done
}

# fault_once LIVE NTH ACTION CMD...: snapshot LIVE as old, run CMD to completion on a copy
# (new; sets CALLS to its call count), then run CMD on LIVE with the fault at call NTH
# (0 = a random one, "last" = the last one). RC = CMD's exit status on LIVE; the oracle is left
# to the caller (check_old_or_new).
fault_once() {
        local live=$1 nth=$2 action=$3
        shift 3
        rm -rf "$WORK/old" "$WORK/new"
        cp -a "$live" "$WORK/old"
        cp -a "$live" "$WORK/new"
        subst_root "$WORK/new" "$@"
        run_at "$WORK/new" 0 none "${CMD[@]}" || { echo "# the op itself failed: ${CMD[*]}: $(cat "$WORK/out")" >&2; return 2; }
        CALLS=$(cat "$WORK/count")
        [ "$nth" = 0 ] && nth=$((1 + RANDOM % CALLS))
        [ "$nth" = last ] && nth=$CALLS
        NTH=$nth
        subst_root "$live" "$@"
        run_at "$live" "$nth" "$action" "${CMD[@]}"
        RC=$?
        return 0
}

# check_old_or_new LIVE [OPTION]: every entry is old or new; TMPS = temp files left.
# OLD_OR_NEW_OPTS: more options for old-or-new.py (e.g. --json-ignore=wwn).
check_old_or_new() {
        local out
        out=$(python3 "$OLD_OR_NEW" "$WORK/old" "$WORK/new" "$1" ${2:-} ${OLD_OR_NEW_OPTS:-} 2>"$WORK/mixed") || {
                echo "# $(tr '\n' ';' <"$WORK/mixed")" >&2
                return 1
        }
        TMPS=${out#tmp }
}

# nodedb_usable LIVE: the node DB lock is free and a full listing parses every record.
nodedb_usable() {
        local lock=$1/run/lock/iscsi/iscsi-tools.lock
        if [ -e "$lock" ] && ! flock -n -x "$lock" true; then
                echo "# $lock is still locked" >&2
                return 1
        fi
        # 21: no records (a DB that holds none is fine)
        ISCSI_ROOT=$1 timeout 10 "$ADM" -m node -o show >/dev/null 2>"$WORK/show.err"
        local rc=$?
        [ $rc = 0 ] || [ $rc = 21 ] || {
                echo "# iscsiadm -m node -o show failed: $(cat "$WORK/show.err")" >&2
                return 1
        }
}

# targetcfg_usable DIR: the config lock is free and DIR/saveconfig.json loads.
targetcfg_usable() {
        local cfg=$1/saveconfig.json
        if ! flock -n -x "$cfg.lock" true; then
                echo "# $cfg.lock is still locked" >&2
                return 1
        fi
        timeout 10 "$TGT" -c "$cfg" -n ls >/dev/null 2>"$WORK/ls.err" || {
                echo "# iscsi-target ls failed: $(cat "$WORK/ls.err")" >&2
                return 1
        }
}

# fault_sweep LIVE ACTION USABLE CMD...: the fault (eio or enospc) at each counted call of CMD
# in turn, one run per call. Each run must leave every file old or new, USABLE LIVE must pass,
# a run that exits 0 must have left exactly the new content, and one that fails must say why
# (strerror of the fault in its output). Sets SWEEP_RUNS and SWEEP_FAILED_RUNS; returns 1 on
# the first violation.
fault_sweep() {
        local live=$1 action=$2 usable=$3 n=1 msg
        shift 3
        [ "$action" = eio ] && msg="Input/output error" || msg="No space left on device"
        SWEEP_RUNS=0 SWEEP_FAILED_RUNS=0
        while :; do
                fault_once "$live" "$n" "$action" "$@" || return 1
                SWEEP_RUNS=$((SWEEP_RUNS + 1))
                check_old_or_new "$live" && "$usable" "$live" || { echo "# $action at call $n of $CALLS" >&2; return 1; }
                if [ "$RC" = 0 ]; then
                        python3 "$OLD_OR_NEW" "$WORK/new" "$WORK/new" "$live" ${OLD_OR_NEW_OPTS:-} >/dev/null 2>"$WORK/mixed" || {
                                echo "# $action at call $n of $CALLS: exit 0 but not the new content: $(cat "$WORK/mixed")" >&2
                                return 1
                        }
                else
                        SWEEP_FAILED_RUNS=$((SWEEP_FAILED_RUNS + 1))
                        grep -q "$msg" "$WORK/out" || {
                                echo "# $action at call $n of $CALLS: exit $RC without \"$msg\": $(cat "$WORK/out")" >&2
                                return 1
                        }
                fi
                [ "$n" -ge "$CALLS" ] && return 0
                n=$((n + 1))
        done
}
