#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots Debian's cloud kernel under qemu TCG with an initramfs holding the given scenarios
# (tests/vm/scenarios/NAME.sh), runs them in one boot, and prints one TAP line per step:
#   ok 3 - vm/walkthrough: login
# A scenario that does not start, does not finish, times out, exits non-zero without a failing
# step, or reports no step at all is a failing line too. If qemu or the kernel is missing, every
# scenario is reported as "# SKIP <why>".
#
#   tests/vm/run.sh [--live] SCENARIO...     (a name in tests/vm/scenarios/, or a path/to/script.sh)
# Env: SRC_DIR, BUILD_DIR (project binaries), VM_CACHE (kernel cache, default $SRC_DIR/.cache/vm),
#      VM_OUT (logs: console.log, markers.log, transcript-*.txt; default $OUT_DIR/vm or a temp dir),
#      VM_MEM (MiB, default 1024), VM_EXTRA_APPEND (kernel command line additions),
#      VM_MAX_SECONDS (cap on the whole boot's time limit; 60-vm.sh's budget),
#      VM_TAP_PREFIX (put before scenario names in TAP lines, e.g. "asan:"),
#      VM_NET_SOCKET=listen:PORT|connect:PORT|udp:LPORT:PPORT + VM_MAC: one virtio NIC on a qemu
#      socket network to another guest through 127.0.0.1 (run-pair.sh); otherwise no NIC at all
#      (except the backend-less one of "# vm-ibft:", see below); VM_DRIVE=FILE: a virtio disk.
# --live: print each scenario's transcript on stdout as the guest runs (the demo uses it); those
#         lines are indented or start with "===", so they never read as TAP results.
# Exit status: 0 if no "not ok" line.
set -uo pipefail
export PATH=$PATH:/usr/sbin:/sbin   # modprobe, depmod
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
VM_DIR=$SRC_DIR/tests/vm
export SRC_DIR BUILD_DIR

live=0
if [ "${1:-}" = --live ]; then live=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--live] SCENARIO..." >&2; exit 2; }
# A scenario is a name in tests/vm/scenarios/ or a path to a script elsewhere (bench/ uses that).
scenarios=() files=()
for a in "$@"; do
  case $a in
    */*) f=$a ;;
    *) f=$VM_DIR/scenarios/$a.sh ;;
  esac
  [ -f "$f" ] || { echo "run.sh: no scenario $f" >&2; exit 2; }
  scenarios+=("$(basename "$f" .sh)"); files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done

n=0
tap() {  # tap ok|not_ok|skip NAME [REASON]
  n=$((n + 1))
  case $1 in
    ok) echo "ok $n - $2" ;;
    not_ok) echo "not ok $n - $2"; failed=1 ;;
    skip) echo "ok $n - $2 # SKIP $3" ;;
  esac
}
failed=0
skip_all() {
  local s
  for s in "${scenarios[@]}"; do tap skip "vm/${VM_TAP_PREFIX:-}$s" "$1"; done
  echo "vm: skipped: $1" >&2
  exit 0
}

command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed (scripts/install-deps.sh)"

if [ -n "${VM_OUT:-}" ]; then
  out=$VM_OUT
elif [ -n "${OUT_DIR:-}" ]; then
  out=$OUT_DIR/vm/$(echo "${scenarios[*]}" | tr ' ' '+' | cut -c1-80)
else
  out=$(mktemp -d /tmp/vm-run.XXXXXX)
fi
rm -rf "$out"; mkdir -p "$out"

kinfo=$("$VM_DIR/kernel.sh" 2>"$out/kernel.log"); krc=$?
if [ $krc -ne 0 ]; then
  cat "$out/kernel.log" >&2
  skip_all "no test kernel: $(tail -1 "$out/kernel.log")"
fi
eval "$kinfo"   # KVER, KDIR
export KVER KDIR

if ! "$VM_DIR/initramfs.sh" "$out/initramfs.cpio.gz" "${files[@]}" 2>"$out/initramfs.log"; then
  cat "$out/initramfs.log" >&2
  for s in "${scenarios[@]}"; do tap not_ok "vm/${VM_TAP_PREFIX:-}$s: initramfs build failed ($(tail -1 "$out/initramfs.log"))"; done
  exit 1
fi
cat "$out/initramfs.log" >&2

# Time limit for the whole VM: the scenarios' own limits plus boot.
limit=60
for f in "${files[@]}"; do
  t=$(sed -n 's/^# vm-timeout: *\([0-9]*\).*/\1/p' "$f" | head -1)
  limit=$((limit + ${t:-300} + 5))
done
# "# vm-append: ARGS" in a scenario adds kernel command line arguments for its boot.
append=""
for f in "${files[@]}"; do
  append="$append $(sed -n 's/^# vm-append: *//p' "$f" | tr '\n' ' ')"
done
if [ -n "${VM_MAX_SECONDS:-}" ] && [ "$VM_MAX_SECONDS" -lt "$limit" ]; then limit=$VM_MAX_SECONDS; fi
# "# vm-ibft: ARGS" gives the guest firmware boot data: mk-ibft.py ARGS builds an iBFT that qemu
# publishes as an ACPI table (the kernel's iscsi_ibft reads it), and, without VM_NET_SOCKET, a
# NIC with no backend at PCI 00:05.0 carries the table's MAC (--mac) so the NIC resolves to eth0.
ibft=()
ibft_args=$(sed -n 's/^# vm-ibft: *//p' "${files[@]}" | head -1)
if [ -n "$ibft_args" ]; then
  eval "set -- $ibft_args"
  "$VM_DIR/mk-ibft.py" --body -o "$out/ibft.bin" "$@" || { echo "run.sh: mk-ibft.py failed" >&2; exit 2; }
  ibft=(-acpitable "sig=iBFT,rev=1,oem_id=TESTFW,oem_table_id=IBFTTEST,data=$out/ibft.bin")
  ibft_mac=$(printf '%s\n' "$@" | sed -n '/^--mac$/{n;p}')
  [ -n "${VM_NET_SOCKET:-}" ] || ibft+=(-device "virtio-net-pci,mac=$ibft_mac,addr=0x5")
fi

: > "$out/console.log"; : > "$out/markers.log"
# By default no network device: the guest's iSCSI traffic stays on its own loopback. With
# VM_NET_SOCKET the guest gets a NIC whose only peer is another guest (run-pair.sh); the host
# carries that as TCP on 127.0.0.1 and never sees or routes the guests' addresses.
net=()
if [ -n "${VM_NET_SOCKET:-}" ]; then
  if ! [[ $VM_NET_SOCKET =~ ^(listen:[0-9]+|connect:[0-9]+|udp:[0-9]+:[0-9]+)$ ]] || ! [[ ${VM_MAC:-} =~ ^52:54:00(:[0-9a-f]{2}){3}$ ]]; then
    echo "run.sh: bad VM_NET_SOCKET='$VM_NET_SOCKET' / VM_MAC='${VM_MAC:-}'" >&2; exit 2
  fi
  case $VM_NET_SOCKET in
    # udp:LOCALPORT:PEERPORT: no connection, so the peer may restart (a rebooting initiator)
    udp:*) IFS=: read -r _ lport pport <<<"$VM_NET_SOCKET"
           net=(-netdev "socket,id=n0,udp=127.0.0.1:$pport,localaddr=127.0.0.1:$lport") ;;
    *) net=(-netdev "socket,id=n0,${VM_NET_SOCKET%%:*}=127.0.0.1:${VM_NET_SOCKET#*:}") ;;
  esac
  net+=(-device "virtio-net-pci,netdev=n0,mac=$VM_MAC")
fi
# VM_DRIVE=FILE: a raw image as the guest's virtio disk /dev/vda (a target's backing store).
[ -n "${VM_DRIVE:-}" ] && net+=(-drive "file=$VM_DRIVE,format=raw,if=virtio,cache=unsafe")
qemu=(qemu-system-x86_64 -accel tcg -cpu max -m "${VM_MEM:-1024}" -smp 1
      -nodefaults -no-user-config -display none -monitor none -no-reboot
      -kernel "$KDIR/vmlinuz" -initrd "$out/initramfs.cpio.gz"
      -append "console=ttyS0 panic=-1 loglevel=4 $(echo $append) ${VM_EXTRA_APPEND:-}"
      -serial "file:$out/console.log" -serial "file:$out/markers.log" "${net[@]}" "${ibft[@]}")
echo "vm: ${qemu[*]}" >&2
start=$(date +%s.%N)
timeout -k 5 "$limit" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null' EXIT
trap 'kill $qpid 2>/dev/null; exit 143' INT TERM
if [ $live = 1 ]; then
  # tail --pid ends by itself once qemu (its timeout wrapper) is gone.
  tail --pid=$qpid -s 0.2 -n +1 -F "$out/markers.log" 2>/dev/null | awk '
    { sub(/\r$/, "") }
    /^T / { sub(/^T [^ ]+ ?/, ""); print "    " $0; fflush(); next }
    /^@@BEGIN / { print "=== scenario " $2; fflush(); next }
    /^@@OK / { $1=$2=$3=""; sub(/^ +/, ""); print "  [ok] " $0; fflush(); next }
    /^@@NOTOK / { $1=$2=$3=""; sub(/^ +/, ""); print "  [FAILED] " $0; fflush(); next }
    /^@@SKIP / { $1=$2=$3=""; sub(/^ +/, ""); print "  [skipped] " $0; fflush(); next }' &
  tpid=$!
fi
wait $qpid; qrc=$?
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
[ -n "${tpid:-}" ] && wait $tpid 2>/dev/null
trap - EXIT INT TERM
tr -d '\r' < "$out/markers.log" > "$out/markers.txt"
[ $qrc -eq 124 ] && echo "vm: qemu killed after ${limit}s" >&2
[ -s "$out/qemu.log" ] && sed 's/^/vm: qemu: /' "$out/qemu.log" | grep -v 'does not support feature\|TCG doesn.t support' >&2

booted=$(awk '$1=="@@BOOTED"{print $2}' "$out/markers.txt")
mods=$(awk '$1=="@@MODULES"{print $2}' "$out/markers.txt")
echo "# vm: wall ${wall}s for ${scenarios[*]}; guest reached /init at ${booted:-?}s uptime, modules loaded at ${mods:-?}s"
if grep -q '^@@NETFAIL' "$out/markers.txt"; then
  tap not_ok "vm: guest network setup ($(grep '^@@NETFAIL' "$out/markers.txt" | cut -d' ' -f2-))"
fi
if grep -q '^@@MODFAIL' "$out/markers.txt"; then
  tap not_ok "vm: kernel modules load ($(grep '^@@MODFAIL' "$out/markers.txt" | cut -d' ' -f2-))"
fi

console_tail() {
  echo "----- console (last ${1:-60} lines): $out/console.log" >&2
  tr -d '\r' < "$out/console.log" | tail -n "${1:-60}" >&2
}

for s in "${scenarios[@]}"; do
  awk -v s="$s" '$1=="T" && $2==s { sub(/^T [^ ]+ ?/, ""); print }' "$out/markers.txt" > "$out/transcript-$s.txt"
  begin=$(awk -v s="$s" '$1=="@@BEGIN" && $2==s {print $3}' "$out/markers.txt")
  endl=$(awk -v s="$s" '$1=="@@END" && $2==s' "$out/markers.txt")
  sfail=0 steps=0
  while IFS= read -r line; do
    kind=${line%% *}; rest=${line#* }; rest=${rest#* }; t=${rest%% *}; desc=${rest#* }
    steps=$((steps + 1))
    case $kind in
      @@OK) tap ok "vm/${VM_TAP_PREFIX:-}$s: $desc" ;;
      @@NOTOK) tap not_ok "vm/${VM_TAP_PREFIX:-}$s: $desc"; sfail=1 ;;
      @@SKIP) tap skip "vm/${VM_TAP_PREFIX:-}$s: ${desc%% # *}" "${desc#* # }" ;;
    esac
    echo "vm: $s: $kind ${t}s $desc" >&2
  done < <(awk -v s="$s" '($1=="@@OK" || $1=="@@NOTOK" || $1=="@@SKIP") && $2==s' "$out/markers.txt")
  if [ -z "$begin" ]; then
    tap not_ok "vm/${VM_TAP_PREFIX:-}$s: did not start (guest ended early, qemu exit $qrc)"; sfail=1
  elif [ -z "$endl" ]; then
    tap not_ok "vm/${VM_TAP_PREFIX:-}$s: did not finish (guest hung or crashed; qemu exit $qrc after ${wall}s)"; sfail=1
  else
    set -- $endl
    rc=$3 t_end=$4 left=${5#sessions_left=}
    echo "# vm/${VM_TAP_PREFIX:-}$s: $steps steps in $(awk -v a="$begin" -v b="$t_end" 'BEGIN{printf "%.1f", b-a}')s (guest clock), exit $rc, sessions left $left"
    if [ "$rc" = 137 ]; then
      tap not_ok "vm/${VM_TAP_PREFIX:-}$s: scenario killed at its time limit"; sfail=1
    elif [ "$rc" != 0 ] && [ $sfail = 0 ]; then
      tap not_ok "vm/${VM_TAP_PREFIX:-}$s: scenario exited $rc without a failing step"; sfail=1
    elif [ $steps = 0 ]; then
      tap not_ok "vm/${VM_TAP_PREFIX:-}$s: reported no steps"; sfail=1
    fi
  fi
  if [ $sfail = 1 ]; then
    echo "===== vm/${VM_TAP_PREFIX:-}$s failed; transcript ($out/transcript-$s.txt, last 60 lines):" >&2
    tail -n 60 "$out/transcript-$s.txt" >&2
  fi
done
[ $failed = 0 ] || console_tail 80
echo "vm: logs in $out" >&2
[ $failed = 0 ]
