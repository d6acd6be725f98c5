#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two systemd guests on one qemu UDP socket network (10.0.3.0/24, configured by systemd-networkd
# in each guest): FIRST (10.0.3.1, e.g. the target) boots until its scenario calls sd_ready,
# then SECOND (10.0.3.2, the initiator) runs all its boots (reboots included: UDP needs no
# reconnection) while FIRST keeps running; then FIRST is ended through QMP. FIRST's scenario
# ends its serving boot with `sd_next stay`. Only loopback UDP between the two qemu processes
# crosses the host; no host-side tool talks to a guest address.
#   tests/vm/sd/run-pair.sh FIRST SECOND
# Env: as run.sh; SD_OUT (default $OUT_DIR/sd/FIRST+SECOND or a temp dir) gets first/ second/.
# TAP for both on stdout (FIRST's lines, then SECOND's), logs on stderr.
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
export SRC_DIR
. "$SRC_DIR/tests/lib/pair-tap.sh"
[ $# -eq 2 ] || { echo "usage: $0 FIRST SECOND" >&2; exit 2; }
run=$SRC_DIR/tests/vm/sd/run.sh
if [ -n "${SD_OUT:-}" ]; then work=$SD_OUT
elif [ -n "${OUT_DIR:-}" ]; then work=$OUT_DIR/sd/$(basename "$1" .sh)+$(basename "$2" .sh)
else work=$(mktemp -d /tmp/sd-pair.XXXXXX); fi
rm -rf "$work"; mkdir -p "$work"
apid=""
qmp_quit() {
  python3 - "$work/qmp.sock" <<'PY' 2>/dev/null
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1]); f = s.makefile("rw")
f.readline()
for cmd in ("qmp_capabilities", "quit"):
    f.write(json.dumps({"execute": cmd}) + "\n"); f.flush(); f.readline()
PY
}
trap '[ -n "$apid" ] && kill $apid 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 143' INT TERM

read -r pa pb < <(python3 -c '
import socket
s = [socket.socket(type=socket.SOCK_DGRAM) for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

SD_OUT=$work/first SD_NET=udp:$pa:$pb SD_IP=10.0.3.1/24 SD_MAC=52:54:00:00:03:01 \
  SD_QMP=$work/qmp.sock "$run" "$1" >"$work/a.tap" 2>"$work/a.log" &
apid=$!
ready() { grep -qs '^@@READY' "$work"/first/boot-*/markers.log; }
while ! ready && kill -0 $apid 2>/dev/null; do sleep 0.5; done
if ready; then
  SD_OUT=$work/second SD_NET=udp:$pb:$pa SD_IP=10.0.3.2/24 SD_MAC=52:54:00:00:03:02 \
    "$run" "$2" >"$work/b.tap" 2>"$work/b.log"
else
  echo "sd/run-pair.sh: $1 ended without sd_ready" >&2
  : > "$work/b.tap"
fi
kill -0 $apid 2>/dev/null && qmp_quit
n=0
while kill -0 $apid 2>/dev/null && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
kill $apid 2>/dev/null
wait $apid 2>/dev/null
apid=""
cat "$work/a.log" "$work/b.log" >&2
pair_tap_merge "$work/a.tap" "$work/b.tap" "sd/$(basename "$2" .sh)"
