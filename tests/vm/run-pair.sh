#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots two guests joined by a qemu socket network (layout (b) of vm-notes): FIRST listens on
# 127.0.0.1:PORT, SECOND connects to it; each guest takes its address from its scenario's
# "# vm-append: vm.ip=..." line. Only loopback TCP between the two qemu processes crosses the
# host; no host-side tool ever talks to a guest address. TAP for both on stdout (FIRST's lines,
# then SECOND's), logs on stderr.
#   tests/vm/run-pair.sh FIRST SECOND
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export SRC_DIR
. "$SRC_DIR/tests/lib/pair-tap.sh"
[ $# -eq 2 ] || { echo "usage: $0 FIRST SECOND" >&2; exit 2; }
run=$SRC_DIR/tests/vm/run.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/vm-pair.XXXXXX")
apid=""
trap '[ -n "$apid" ] && kill $apid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 143' INT TERM

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
listening() { ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; }

VM_NET_SOCKET=listen:$port VM_MAC=52:54:00:00:00:01 "$run" "$1" >"$work/a.tap" 2>"$work/a.log" &
apid=$!
n=0
while ! listening && kill -0 $apid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
if listening; then
  VM_NET_SOCKET=connect:$port VM_MAC=52:54:00:00:00:02 "$run" "$2" >"$work/b.tap" 2>"$work/b.log"
else
  echo "run-pair.sh: the first guest never listened on 127.0.0.1:$port" >&2
  : > "$work/b.tap"
fi
# The first guest ends by itself once the second has told it so; give it a minute more.
n=0
while kill -0 $apid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
kill $apid 2>/dev/null
wait $apid 2>/dev/null
apid=""
cat "$work/a.log" "$work/b.log" >&2
pair_tap_merge "$work/a.tap" "$work/b.tap" "vm/$2"
