#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boots the systemd guest (Debian 12, systemd PID 1, the project installed by meson install) for
# one scenario, as many times as the scenario asks (sd_next reboot), on the same disk, and prints
# one TAP line per step: "ok 3 - sd/NAME: desc". A boot that does not start or finish the
# scenario, a scenario that exits non-zero without a failing step, and no step at all are
# failing lines too. Without qemu, mmdebstrap or the registry every line is "# SKIP <why>".
#
#   tests/vm/sd/run.sh SCENARIO        (a name in tests/vm/sd/scenarios/ or a path/to/script.sh)
# The scenario's sd_next decides: reboot / poweroff-boot make the host boot the disk again.
# Scenario header lines: "# sd-packages: a b" (extra Debian packages in the image),
#   "# sd-timeout: SECS" (per boot, default 300), "# sd-boots: N" (most boots, default 1),
#   "# sd-append: ARGS" (kernel command line).
# Env: BUILD_DIR, SD_OUT (logs, disk; default $OUT_DIR/sd/NAME or a temp dir), SD_PACKAGE=0 (the
#   image without the project), SD_MEM (MiB, 1024), SD_TAP_PREFIX, SD_ENABLE (image.sh),
#   SD_NET=udp:LOCALPORT:PEERPORT + SD_IP=ADDR/PREFIX + SD_MAC: one virtio NIC on a qemu UDP
#   socket network to a peer guest (run-pair.sh); otherwise no NIC at all.
#   SD_QMP=PATH: a QMP socket (run-pair.sh powers a "stay" guest down through it).
# Output: TAP on stdout; "# sd/NAME boot N: ..." comments carry systemd-analyze time, the
#   state, the shutdown time and @@MARK values. Exit status 0 iff no "not ok".
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
SD_DIR=$SRC_DIR/tests/vm/sd
export SRC_DIR

[ $# -eq 1 ] || { echo "usage: $0 SCENARIO" >&2; exit 2; }
case $1 in */*) f=$1 ;; *) f=$SD_DIR/scenarios/$1.sh ;; esac
[ -f "$f" ] || { echo "sd/run.sh: no scenario $f" >&2; exit 2; }
f=$(cd "$(dirname "$f")" && pwd)/$(basename "$f")
name=$(basename "$f" .sh)
tname=sd/${SD_TAP_PREFIX:-}$name
hdr() { sed -n "s/^# $1: *//p" "$f" | head -1; }

n=0 failed=0
tap() {
  n=$((n + 1))
  case $1 in
    ok) echo "ok $n - $2" ;;
    not_ok) echo "not ok $n - $2"; failed=1 ;;
    skip) echo "ok $n - $2 # SKIP $3" ;;
  esac
}
command -v qemu-system-x86_64 >/dev/null || { tap skip "$tname" "qemu-system-x86_64 not installed"; exit 0; }

if [ -n "${SD_OUT:-}" ]; then out=$SD_OUT
elif [ -n "${OUT_DIR:-}" ]; then out=$OUT_DIR/sd/$name
else out=$(mktemp -d /tmp/sd-run.XXXXXX); fi
rm -rf "$out"; mkdir -p "$out"

"$SD_DIR/image.sh" "$out" "$f" 2>"$out/image.log"; irc=$?
if [ $irc -ne 0 ]; then
  cat "$out/image.log" >&2
  if [ $irc = 77 ]; then tap skip "$tname" "no guest image: $(tail -1 "$out/image.log")"; exit 0; fi
  tap not_ok "$tname: image build failed ($(tail -1 "$out/image.log"))"; exit 1
fi
cat "$out/image.log" >&2
. "$out/boot.env"   # ROOTFS_DIR

timeout_s=$(hdr sd-timeout); timeout_s=${timeout_s:-300}
boots=$(hdr sd-boots); boots=${boots:-1}
net=()
if [ -n "${SD_NET:-}" ]; then
  IFS=: read -r _ lport pport <<<"$SD_NET"
  net=(-netdev "socket,id=n0,udp=127.0.0.1:$pport,localaddr=127.0.0.1:$lport"
       -device "virtio-net-pci,netdev=n0,mac=$SD_MAC")
fi
qmp=()
[ -n "${SD_QMP:-}" ] && qmp=(-qmp "unix:$SD_QMP,server=on,wait=off")

# Per boot: start a new qemu on the same disk (-no-reboot: a guest reboot ends qemu).
boot=1
while :; do
  b=$out/boot-$boot
  mkdir -p "$b"
  : > "$b/console.log"; : > "$b/markers.log"
  append="root=/dev/vda console=ttyS0 panic=-1 printk.time=1 loglevel=4"
  append+=" systemd.mask=getty-static.service systemd.mask=getty@tty1.service"
  append+=" vmtest.scenario=$name vmtest.boot=$boot vmtest.timeout=$timeout_s $(hdr sd-append)"
  qemu=(qemu-system-x86_64 -accel tcg -cpu max -m "${SD_MEM:-1024}" -smp 1
        -nodefaults -no-user-config -display none -monitor none -no-reboot
        -kernel "$ROOTFS_DIR/vmlinuz" -initrd "$ROOTFS_DIR/initrd.gz" -append "$append"
        -drive "file=$out/disk.raw,format=raw,if=virtio,cache=unsafe"
        -serial "file:$b/console.log" -serial "file:$b/markers.log" "${net[@]}" "${qmp[@]}")
  echo "sd: boot $boot: ${qemu[*]}" >&2
  limit=$((timeout_s + 180))
  [ -n "${SD_QMP:-}" ] && limit=$((limit + ${SD_STAY_SECONDS:-900}))
  start=$(date +%s.%N)
  timeout -k 5 "$limit" "${qemu[@]}" </dev/null >"$b/qemu.log" 2>&1 &
  echo $! > "$out/qemu.pid"
  wait $!; qrc=$?
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
  tr -d '\r' < "$b/markers.log" > "$b/markers.txt"
  tr -d '\r' < "$b/console.log" > "$b/console.txt"
  [ $qrc = 124 ] && echo "sd: boot $boot: qemu killed after ${limit}s" >&2
  grep -v 'does not support feature\|TCG doesn.t support' "$b/qemu.log" | sed 's/^/sd: qemu: /' >&2

  bootl=$(awk '$1=="@@BOOT"' "$b/markers.txt")
  next=$(awk '$1=="@@NEXT"{print $2; t=$3} END{}' "$b/markers.txt")
  next_t=$(awk '$1=="@@NEXT"{print $3}' "$b/markers.txt")
  down_t=$(sed -n 's/^\[ *\([0-9.]*\)\] reboot: \(Power down\|Restarting system\).*/\1/p' "$b/console.txt" | tail -1)
  shut=""
  [ -n "$next_t" ] && [ -n "$down_t" ] && shut=$(awk -v a="$next_t" -v b="$down_t" 'BEGIN{printf "%.1f", b-a}')
  set -- $bootl
  echo "# $tname boot $boot: qemu ${wall}s, runner started at ${4:-?}s uptime, system ${5:-?}; ${*:6}; shutdown ${shut:-?}s ($next)"
  awk -v t="$tname" '$1=="@@MARK"{ $1=""; $2=""; sub(/^ +/, ""); print "# " t " mark " $0 }' "$b/markers.txt"

  begin=$(awk '$1=="@@BEGIN"{print $3}' "$b/markers.txt")
  endl=$(awk '$1=="@@END"' "$b/markers.txt")
  awk '$1=="T"{ sub(/^T [^ ]+ ?/, ""); print }' "$b/markers.txt" > "$b/transcript.txt"
  sfail=0 steps=0
  while IFS= read -r line; do
    kind=${line%% *}; rest=${line#* }; rest=${rest#* }; desc=${rest#* }
    steps=$((steps + 1))
    case $kind in
      @@OK) tap ok "$tname: $desc" ;;
      @@NOTOK) tap not_ok "$tname: $desc"; sfail=1 ;;
      @@SKIP) tap skip "$tname: ${desc%% # *}" "${desc#* # }" ;;
    esac
  done < <(awk '$1=="@@OK" || $1=="@@NOTOK" || $1=="@@SKIP"' "$b/markers.txt")
  if [ -z "$begin" ]; then
    tap not_ok "$tname: boot $boot: scenario did not start (qemu exit $qrc after ${wall}s)"; sfail=1
  elif [ -z "$endl" ]; then
    tap not_ok "$tname: boot $boot: scenario did not finish (qemu exit $qrc after ${wall}s)"; sfail=1
  else
    set -- $endl
    if [ "$3" = 137 ]; then tap not_ok "$tname: boot $boot: scenario killed at its time limit"; sfail=1
    elif [ "$3" != 0 ] && [ $sfail = 0 ]; then tap not_ok "$tname: boot $boot: scenario exited $3 without a failing step"; sfail=1
    elif [ $steps = 0 ] && [ "$next" = poweroff ]; then tap not_ok "$tname: boot $boot: reported no steps"; sfail=1
    fi
  fi
  if [ $sfail = 1 ]; then
    echo "===== $tname boot $boot failed; transcript (last 60 lines of $b/transcript.txt):" >&2
    tail -n 60 "$b/transcript.txt" >&2
    echo "----- console (last 60 lines of $b/console.txt)" >&2
    tail -n 60 "$b/console.txt" >&2
  fi
  smax=$(awk '$1=="@@SHUTDOWN_MAX"{ print $3 }' "$b/markers.txt")
  if [ -n "$smax" ]; then
    sdesc=$(awk '$1=="@@SHUTDOWN_MAX"{ $1=$2=$3=""; sub(/^ +/, ""); print }' "$b/markers.txt")
    if [ -n "$shut" ] && awk -v a="$shut" -v m="$smax" 'BEGIN{exit !(a < m)}'; then
      tap ok "$tname: $sdesc: $next of boot $boot took ${shut} s (within $smax s)"
    else
      tap not_ok "$tname: $sdesc: $next of boot $boot took ${shut:-?} s (limit $smax s)"
    fi
  fi
  if { [ "$next" = reboot ] || [ "$next" = poweroff-boot ]; } && [ -n "$endl" ]; then
    if [ $boot -ge "$boots" ]; then
      tap not_ok "$tname: boot $boot asked for a reboot beyond sd-boots: $boots"; break
    fi
    boot=$((boot + 1))
    continue
  fi
  break
done
rm -f "$out/qemu.pid"
echo "sd: logs in $out" >&2
[ $failed = 0 ]
