#!/usr/bin/env bash
# BHS codec speed, this tree's libiscsi-proto/src/pdu.c against another revision's, in the
# same run: both built with the same flags into bench/pdu-codec-bench.c, run alternately, best
# of ROUNDS rounds of 4 M operations each. No network, one CPU, about 20 s.
#   bench/pdu-codec.sh [REV]        REV: the revision to compare against [HEAD~1 of pdu.c]
set -euo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
REV=${1:-$(git -C "$SRC_DIR" log -n 2 --format=%h -- libiscsi-proto/src/pdu.c | tail -1)}
ROUNDS=${ROUNDS:-5}
WORK=$(mktemp -d /tmp/pdu-codec.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

git -C "$SRC_DIR" show "$REV:libiscsi-proto/src/pdu.c" >"$WORK/pdu-ref.c"
CFLAGS=(-O2 -g -std=gnu11 -D_GNU_SOURCE -I"$SRC_DIR/libiscsi-proto/include" -I"$SRC_DIR/libiscsi-util/include")
cc "${CFLAGS[@]}" "$SRC_DIR/bench/pdu-codec-bench.c" "$SRC_DIR/libiscsi-proto/src/pdu.c" -o "$WORK/this"
cc "${CFLAGS[@]}" "$SRC_DIR/bench/pdu-codec-bench.c" "$WORK/pdu-ref.c" -o "$WORK/ref"

# Alternate the two binaries so background load hits both alike; keep each one's best.
for i in 1 2 3 4; do
        "$WORK/ref" "$ROUNDS" >"$WORK/ref.$i"
        "$WORK/this" "$ROUNDS" >"$WORK/this.$i"
done
echo "BHS codec, ns per operation (best of 4 x $ROUNDS rounds; ref = pdu.c at $REV)"
printf '%-22s %8s %8s %8s\n' operation ref this this/ref
cat "$WORK"/ref.* | sort -t$'\t' -k1,1 -k2,2n | awk -F'\t' '!seen[$1]++' >"$WORK/ref.best"
cat "$WORK"/this.* | sort -t$'\t' -k1,1 -k2,2n | awk -F'\t' '!seen[$1]++' >"$WORK/this.best"
join -t$'\t' "$WORK/ref.best" "$WORK/this.best" | awk -F'\t' '{ printf "%-22s %8.2f %8.2f %8.2f\n", $1, $2, $3, $3 / $2 }'
