#!/usr/bin/env bash
# Benchmark: a portal advertising N targets (default 1000), then
#   1. SendTargets discovery into the node DB,
#   2. listing the DB (iscsiadm -m node),
#   3. updating one key on every record (-m node -o update -n node.startup -v automatic),
# ours against Debian's open-iscsi iscsiadm where it can run (it needs iscsi_tcp and iscsid for
# discovery, so its step 1 is attempted and reported; steps 2-3 run on a copy of the same DB
# in a private mount namespace over /etc/iscsi). Prints seconds and ratios (Debian / ours).
#
#   BUILD_DIR=build bench/iscsiadm-nodes.sh [N]
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
N=${1:-1000}
REPEAT=${REPEAT:-5}
OURS="$BUILD_DIR/iscsiadm/iscsiadm"
RESP="$BUILD_DIR/tests/unit-node/st-responder"
DEB=/usr/sbin/iscsiadm
for f in "$OURS" "$RESP"; do [ -x "$f" ] || { echo "build first: $f missing" >&2; exit 1; }; done

WORK=$(mktemp -d)
RESP_PID=
cleanup() {
        [ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null && wait "$RESP_PID" 2>/dev/null
        rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$RESP" -l 127.0.0.1 -p "$PORT" -n "$N" -P iqn.2003-01.org.example:bench- -r "$WORK/ready" &
RESP_PID=$!
for _ in $(seq 100); do [ -e "$WORK/ready" ] && break; sleep 0.05; done

export ISCSI_ROOT="$WORK/ours"
mkdir -p "$ISCSI_ROOT/etc/iscsi"
echo "InitiatorName=iqn.2016-04.com.open-iscsi:bench" > "$ISCSI_ROOT/etc/iscsi/initiatorname.iscsi"

now() { date +%s.%N; }
# seconds for "$@" (best of REPEAT for read-only steps)
timeit() {
        local reps=$1; shift
        local best=
        for _ in $(seq "$reps"); do
                local t0 t1 d
                t0=$(now); "$@" >/dev/null 2>&1 || return 1; t1=$(now)
                d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
                if [ -z "$best" ] || awk -v d="$d" -v b="$best" 'BEGIN { exit !(d < b) }'; then best=$d; fi
        done
        printf '%.4f' "$best"
}

deb_ok=0
if [ -x "$DEB" ] && "$DEB" -V 2>/dev/null | grep -q '2\.1\.' && unshare -m true 2>/dev/null; then deb_ok=1; fi
deb() {
        unshare -m sh -c 'mount --bind "$0" /etc/iscsi && exec /usr/sbin/iscsiadm "$@"' "$WORK/deb/etc/iscsi" "$@"
}

echo "# iscsiadm node DB benchmark: $N targets, 1 portal each, loopback portal 127.0.0.1:$PORT"
t_disc=$(timeit 1 "$OURS" -m discovery -t st -p 127.0.0.1:$PORT)
n_rec=$("$OURS" -m node | wc -l)
[ "$n_rec" = "$N" ] || { echo "expected $N records, got $n_rec" >&2; exit 1; }
t_list=$(timeit "$REPEAT" "$OURS" -m node)
t_show=$(timeit "$REPEAT" "$OURS" -m node -T iqn.2003-01.org.example:bench-$N)

# Debian works on a copy of the DB we just wrote (it reads our layout as its own)
mkdir -p "$WORK/deb/etc"
cp -a "$ISCSI_ROOT/etc/iscsi" "$WORK/deb/etc/"
echo "iscsid.startup = /bin/true" > "$WORK/deb/etc/iscsi/iscsid.conf"

t_upd=$(timeit 1 "$OURS" -m node -o update -n node.startup -v automatic)

printf '%-34s %10s %10s %8s\n' step "ours(s)" "debian(s)" "ratio"
row() { # name ours deb
        if [ "$3" = "n/a" ]; then printf '%-34s %10s %10s %8s\n' "$1" "$2" n/a n/a
        else printf '%-34s %10s %10s %8.2f\n' "$1" "$2" "$3" "$(awk -v d="$3" -v o="$2" 'BEGIN { print d / o }')"; fi
}
if [ $deb_ok = 1 ]; then
        mkdir -p "$WORK/debdisc"
        echo "iscsid.startup = /bin/true" > "$WORK/debdisc/iscsid.conf"
        cp "$ISCSI_ROOT/etc/iscsi/initiatorname.iscsi" "$WORK/debdisc/"
        if msg=$(unshare -m sh -c 'mount --bind "$0" /etc/iscsi && exec /usr/sbin/iscsiadm "$@"' "$WORK/debdisc" \
                        -m discovery -t st -p 127.0.0.1:$PORT 2>&1 | grep -v 'can not connect' | tail -1) &&
           [ "$(ls "$WORK/debdisc/nodes" 2>/dev/null | wc -l)" = "$N" ]; then
                d_disc=$(timeit 1 unshare -m sh -c 'mount --bind "$0" /etc/iscsi && exec /usr/sbin/iscsiadm "$@"' "$WORK/debdisc" -m discovery -t st -p 127.0.0.1:$PORT)
        else
                d_disc=n/a
                echo "# debian discovery cannot run here: ${msg:-no records written}"
        fi
        d_list=$(timeit "$REPEAT" deb -m node)
        d_show=$(timeit "$REPEAT" deb -m node -T iqn.2003-01.org.example:bench-$N)
        d_upd=$(timeit 1 deb -m node -o update -n node.startup -v automatic)
else
        echo "# Debian open-iscsi 2.1 iscsiadm not usable here: ours only"
        d_disc=n/a d_list=n/a d_show=n/a d_upd=n/a
fi
row "discovery ($N targets)" "$t_disc" "$d_disc"
row "list (-m node)" "$t_list" "$d_list"
row "show one record" "$t_show" "$d_show"
row "update one key on all records" "$t_upd" "$d_upd"
echo "# ratio > 1: ours is faster. Ours replaces each record atomically (temp file + rename) and"
echo "# makes a batch durable with syncfs(); open-iscsi truncates and rewrites in place, unsynced."
echo "# Both are bound by the filesystem's per-file metadata cost on multi-record writes."
