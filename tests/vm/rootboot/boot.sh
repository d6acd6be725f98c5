#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Root on iSCSI for real: a diskless Debian 12 guest boots from our target in a second guest.
#   1. root-image.sh: the initiator's root image (systemd, initramfs-tools, the project by
#      meson install) and the initrd initramfs-tools builds with our hook and script.
#   2. The target guest (tests/vm/run.sh rb-target.sh): that image as its /dev/vda, exported by
#      iscsi-targetd on 10.0.3.1 (qemu UDP socket network; the host only carries loopback UDP).
#   3. The initiator, one qemu per boot, no disk: -kernel/-initrd from step 1, NIC 52:54:00:00:03:02
#      on the same network, results on its second serial port (guest/runner):
#        ibft      "boot root on iscsi (iBFT)": ISCSI_AUTO=true and an iBFT (mk-ibft.py)
#        cmdline   "boot root on iscsi (cmdline)": ip= and ISCSI_* on the kernel command line
#        shutdown  "root session kept at shutdown": 3 reboots of that machine, data written each time
#        restart   "root survives target restart": the target daemon away for 10 s under I/O
#      and first "local": the same image, kernel and initrd from a local disk, for the boot time.
# TAP on stdout ("vm/<scenario name>: step"), logs on stderr; "# boot time" comments compare
# power-on to multi-user.target on iSCSI and on the local disk.
# Boots: local, ibft, then one machine: cmdline (boot 1), shutdown (2, 3), shutdown+restart (4).
# Env: SRC_DIR, BUILD_DIR, OUT_DIR; RB_COMPARE=0 leaves out the local-disk comparison boot;
#      RB_IMAGE_DIR: use that root-image.sh output instead of building one (development);
#      RB_BOOT_SECONDS: limit per initiator boot (900: TCG guests crawl on a loaded host).
set -uo pipefail
export PATH=$PATH:/usr/sbin:/sbin
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
RB_DIR=$SRC_DIR/tests/vm/rootboot
out=${RB_OUT:-${OUT_DIR:-/tmp}/vm/rootboot-boot}
rm -rf "$out"; mkdir -p "$out"
TGT=iqn.2026-12.org.example.vm:root
INI=iqn.2026-12.org.example.vm:rootboot
declare -A title=([cmdline]="boot root on iscsi (cmdline)" [ibft]="boot root on iscsi (iBFT)"
                  [shutdown]="root session kept at shutdown" [restart]="root survives target restart"
                  [local]="boot from a local disk (comparison)")
scenarios=(cmdline ibft shutdown restart)

n=0 failed=0
tap() {  # tap ok|not_ok|skip DESC [WHY]
  n=$((n + 1))
  case $1 in
    ok) echo "ok $n - $2" ;;
    not_ok) echo "not ok $n - $2"; failed=1 ;;
    skip) echo "ok $n - $2 # SKIP $3" ;;
  esac
}
skip_all() {
  for s in "${scenarios[@]}"; do tap skip "vm/${title[$s]}" "$1"; done
  exit 0
}
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 not installed"

img=$out/img
if [ -n "${RB_IMAGE_DIR:-}" ]; then   # development: an image made earlier (its root.raw is changed)
  img=$RB_IMAGE_DIR; irc=0; : > "$out/image.log"
else
  "$RB_DIR/root-image.sh" "$img" 2>"$out/image.log"; irc=$?
fi
cat "$out/image.log" >&2
[ $irc = 77 ] && skip_all "no guest image: $(tail -1 "$out/image.log")"
if [ $irc != 0 ]; then
  for s in "${scenarios[@]}"; do tap not_ok "vm/${title[$s]}: root image build failed ($(tail -1 "$out/image.log"))"; done
  exit 1
fi

read -r pa pb < <(python3 -c '
import socket
s = [socket.socket(type=socket.SOCK_DGRAM) for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# Step results of one boot (its markers) as TAP lines under each scenario's title.
report_boot() {  # NAMES BOOT DIR QEMU_RC
  local names=$1 boot=$2 d=$3 qrc=$4 line kind sc rest desc s endl down nt
  tr -d '\r' < "$d/markers.log" > "$d/markers.txt"
  tr -d '\r' < "$d/console.log" > "$d/console.txt"
  awk '$1=="T"{ sub(/^T [^ ]+ ?/, ""); print }' "$d/markers.txt" > "$d/transcript.txt"
  while IFS= read -r line; do
    kind=${line%% *}; rest=${line#* }; sc=${rest%% *}; rest=${rest#* }; desc=${rest#* }
    case $kind in
      @@OK) tap ok "vm/${title[$sc]}: boot $boot: $desc" ;;
      @@NOTOK) tap not_ok "vm/${title[$sc]}: boot $boot: $desc" ;;
      @@SKIP) tap skip "vm/${title[$sc]}: boot $boot: ${desc%% # *}" "${desc#* # }" ;;
    esac
  done < <(awk '$1=="@@OK" || $1=="@@NOTOK" || $1=="@@SKIP"' "$d/markers.txt")
  awk '$1=="@@BOOT"{ $1=$2=""; sub(/^ +/, ""); print "# boot " $0 }' "$d/markers.txt"
  awk '$1=="@@MARK"{ $1=""; sub(/^ +/, ""); print "# mark " $0 }' "$d/markers.txt"
  for s in ${names//,/ }; do
    endl=$(awk -v s="$s" '$1=="@@END" && $2==s {print $3}' "$d/markers.txt")
    if [ -z "$endl" ]; then
      tap not_ok "vm/${title[$s]}: boot $boot: did not run to its end (qemu exit $qrc; $d)"
      tail -n 40 "$d/console.txt" >&2
    elif [ "$endl" != 0 ]; then
      tap not_ok "vm/${title[$s]}: boot $boot: scenario exited $endl"
    fi
  done
  s=${names##*,}
  nt=$(awk '$1=="@@NEXT"{print $3}' "$d/markers.txt")
  down=$(sed -n 's/^\[ *\([0-9.]*\)\] reboot: \(Power down\|Restarting system\).*/\1/p' "$d/console.txt" | tail -1)
  if [ "$qrc" = 0 ] && [ -n "$down" ] && [ -n "$nt" ]; then
    tap ok "vm/${title[$s]}: boot $boot: shutdown finished cleanly ($(awk -v a="$nt" -v b="$down" 'BEGIN{printf "%.1f", b-a}') s after the runner's request)"
  else
    tap not_ok "vm/${title[$s]}: boot $boot: shutdown did not finish (qemu exit $qrc, no 'reboot:' line)"
    tail -n 30 "$d/console.txt" >&2
  fi
}

# One initiator boot; echoes what the guest asked for next (reboot / poweroff).
boot_initiator() {  # NAMES BOOT KIND (local: from a local disk; ibft; cmdline)
  local names=$1 boot=$2 kind=$3 d=$out/boot-$2-${1//,/+} qrc
  mkdir -p "$d"; : > "$d/console.log"; : > "$d/markers.log"
  local append="console=ttyS0 panic=-1 printk.time=1 loglevel=4 net.ifnames=0 root=LABEL=isroot"
  append+=" systemd.mask=getty-static.service systemd.mask=getty@tty1.service"
  append+=" rootboot.scenario=$names rootboot.boot=$boot"
  local hw=(-netdev "socket,id=n0,udp=127.0.0.1:$pb,localaddr=127.0.0.1:$pa"
            -device "virtio-net-pci,netdev=n0,mac=52:54:00:00:03:02,addr=0x5")
  case $kind in
    local) hw=(-drive "file=$out/local.raw,format=raw,if=virtio,cache=unsafe") ;;
    ibft) append+=" ISCSI_AUTO=true"
          "$SRC_DIR/tests/vm/mk-ibft.py" --body -o "$d/ibft.bin" --initiator "$INI" --mac 52:54:00:00:03:02 \
            --ip 10.0.3.2/24 --target-ip 10.0.3.1 --target-name "$TGT" --chap-name rbuser --chap-secret rbsecret12345
          hw+=(-acpitable "sig=iBFT,rev=1,oem_id=TESTFW,oem_table_id=IBFTTEST,data=$d/ibft.bin") ;;
    *) append+=" ip=10.0.3.2::10.0.3.1:255.255.255.0:vm:eth0:off ISCSI_INITIATOR=$INI ISCSI_TARGET_NAME=$TGT"
       append+=" ISCSI_TARGET_IP=10.0.3.1 ISCSI_USERNAME=rbuser ISCSI_PASSWORD=rbsecret12345" ;;
  esac
  local start
  start=$(date +%s.%N)
  timeout -k 5 ${RB_BOOT_SECONDS:-900} qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1 -nodefaults -no-user-config \
    -display none -monitor none -no-reboot -kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
    -append "$append" "${hw[@]}" -serial "file:$d/console.log" -serial "file:$d/markers.log" \
    </dev/null >"$d/qemu.log" 2>&1
  qrc=$?
  echo "# boot $boot ($names): qemu ran $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s" >&2
  report_boot "$names" "$boot" "$d" "$qrc" >> "$out/tap.txt"
  awk '$1=="@@NEXT"{print $2}' "$d/markers.txt"
}

# The comparison boot first, on a copy of the image (the target will serve the original).
if [ "${RB_COMPARE:-1}" = 1 ]; then
  cp --sparse=always "$img/root.raw" "$out/local.raw"
  boot_initiator local 1 local > /dev/null
  rm -f "$out/local.raw"
fi

VM_NET_SOCKET=udp:$pb:$pa VM_MAC=52:54:00:00:03:01 VM_DRIVE=$img/root.raw VM_EXTRA_APPEND="vm.ip=10.0.3.1/24" \
  VM_OUT=$out/target "$SRC_DIR/tests/vm/run.sh" "$RB_DIR/rb-target.sh" >"$out/target.tap" 2>"$out/target.log" &
tpid=$!
trap 'kill $tpid 2>/dev/null' EXIT
ready=0
for _ in $(seq 240); do
  grep -qs '^@@OK rb-target [0-9.]* target ready' "$out/target/markers.log" && { ready=1; break; }
  kill -0 $tpid 2>/dev/null || break
  sleep 0.5
done
# One machine: an iBFT boot, then boot 1 from the command line and three reboots; the last
# boot also takes the target restart.
if [ $ready = 1 ]; then
  boot_initiator ibft 1 ibft > /dev/null
  b=1
  for names in cmdline shutdown shutdown shutdown,restart; do
    nxt=$(boot_initiator "$names" $b cmdline)
    [ $b = 4 ] || [ "$nxt" = reboot ] || { echo "not ok 1 - vm/${title[shutdown]}: boot $b did not ask for a reboot" >> "$out/tap.txt"; break; }
    b=$((b + 1))
  done
else
  echo "boot.sh: the target guest never got ready" >&2
  for s in ibft cmdline shutdown restart; do echo "not ok 1 - vm/${title[$s]}: not run: the target guest did not get ready" >> "$out/tap.txt"; done
fi
# The initiator's disk had to outlive its last power-off: only now the host ends the target
# guest. Its steps are read from its marker channel (run.sh would call it unfinished).
kill $tpid 2>/dev/null
wait $tpid
trap - EXIT
tr -d '\r' < "$out/target/markers.log" | awk '
  $1=="@@OK" || $1=="@@NOTOK" { d=$0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", d)
    print ($1=="@@OK" ? "ok" : "not ok") " 1 - vm/rootboot target guest: " d }' > "$out/target.tap"
grep -q '^ok 1 - vm/rootboot target guest: target ready$' "$out/target.tap" ||
  echo "not ok 1 - vm/rootboot target guest: never got ready" >> "$out/target.tap"
cat "$out/target.log" >&2

# Renumber: the boots' lines, then the target guest's.
while IFS= read -r line; do
  if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ -\ (.*)$ ]]; then
    [ "${BASH_REMATCH[1]}" = "not ok" ] && failed=1
    n=$((n + 1)); echo "${BASH_REMATCH[1]} $n - ${BASH_REMATCH[2]}"
  else
    echo "$line"
  fi
done < <(cat "$out/tap.txt" "$out/target.tap")
echo "boot.sh: logs in $out" >&2
[ $failed = 0 ]
