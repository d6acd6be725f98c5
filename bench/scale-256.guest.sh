#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest half of bench/scale-256.sh (not a test scenario: the bench copies it into a private
# scenario directory). N targets on tgtd in the guest, one 8 MiB LUN each; for each initiator
# (ours; also Debian's open-iscsi with PEER=1): --loginall=all, all N disks, I/O on every disk
# (a block naming its disk written with O_DIRECT to each, all at once, then every one read back
# and compared), --logoutall=all, nothing left behind. "BENCH <who> <metric> <value>" lines.
# vm-timeout: 3000
. /lib/vm/lib.sh
N=${SCALE_N:-256}
PEER=${SCALE_PEER:-0}
now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }
mem_avail_mib() { awk '$1 == "MemAvailable:" {printf "%d", $2 / 1024}' /proc/meminfo; }

STEP_TIMEOUT=1200  # 3 tgtadm calls per target: about 0.5 s per target under TCG
mkdir -p /var/lib/iscsi_disks
start_tgtd
step_sh "tgtd: $N targets" "i=1; while [ \$i -le $N ]; do
    truncate -s 8M /var/lib/iscsi_disks/t\$i.img &&
    tgtadm --lld iscsi --mode target --op new --tid \$i --targetname iqn.2026-11.org.example.scale:t\$i &&
    tgtadm --lld iscsi --mode logicalunit --op new --tid \$i --lun 1 --backing-store /var/lib/iscsi_disks/t\$i.img &&
    tgtadm --lld iscsi --mode target --op bind --tid \$i --initiator-address ALL || exit 1
    i=\$((i + 1)); done"

timed() {  # timed DESC VAR CMD...: runs CMD (output kept off the console), sets VAR to its wall time
  _desc=$1 _var=$2; shift 2
  _t0=$(now)
  "$@" > /tmp/bench-cmd.out 2>&1; _rc=$?
  eval "$_var=$(elapsed "$_t0")"
  tail -n 3 /tmp/bench-cmd.out
  if [ $_rc = 0 ]; then ok "$_desc"; else not_ok "$_desc (exit $_rc)"; fi
}

# io_all DISKS: one 4 KiB block naming its disk at offset 4 MiB of every disk, all writers at
# once, then every disk read back (all at once) and compared; prints the number that differ.
io_all() {
  _pids=""
  for d in $1; do
    { printf 'scale-256 %-20s' "$d"; head -c 4066 /dev/zero; } > /tmp/blk.$d
    dd if=/tmp/blk.$d of=/dev/$d bs=4096 seek=1024 count=1 oflag=direct conv=notrunc 2>/dev/null &
    _pids="$_pids $!"
  done
  wait $_pids  # only these: a bare wait would also wait for the daemons
  _pids=""
  for d in $1; do
    dd if=/dev/$d of=/tmp/back.$d bs=4096 skip=1024 count=1 iflag=direct 2>/dev/null &
    _pids="$_pids $!"
  done
  wait $_pids
  bad=0
  for d in $1; do cmp -s /tmp/blk.$d /tmp/back.$d || bad=$((bad + 1)); rm -f /tmp/blk.$d /tmp/back.$d; done
  echo "$bad"
}

daemon_usage() {  # daemon_usage PID: "RSS_KiB FDS"
  echo "$(awk '$1 == "VmRSS:" {print $2}' /proc/$1/status) $(ls /proc/$1/fd | wc -l)"
}

measure() {  # measure WHO DAEMON_PID
  before=$(disks)
  mem0=$(mem_avail_mib)
  step "$1: discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
  _t0=$(now)
  timed "$1: --loginall=all ($N nodes)" t_login iscsiadm -m node --loginall=all
  if wait_for 600 "[ \$(new_disks \"$before\" | wc -l) -ge $N ]"; then ok "$1: $N disks"
  else not_ok "$1: $N disks ($(new_disks "$before" | wc -l))"; fi
  t_disks=$(elapsed "$_t0")
  nsess=$(ls -d /sys/class/iscsi_session/session* 2>/dev/null | wc -l)
  [ "$nsess" = "$N" ] && ok "$1: $N sessions in sysfs" || not_ok "$1: $nsess sessions in sysfs, wanted $N"
  mem1=$(mem_avail_mib)
  usage=$(daemon_usage "$2")
  _t0=$(now)
  bad=$(io_all "$(new_disks "$before")")
  t_io=$(elapsed "$_t0")
  [ "$bad" = 0 ] && ok "$1: I/O on all $N disks read back intact" || not_ok "$1: $bad of $N disks read back wrong"
  timed "$1: --logoutall=all" t_logout iscsiadm -m node --logoutall=all
  if wait_for 120 "! ls -d /sys/class/iscsi_session/session* 2>/dev/null && [ -z \"\$(new_disks \"$before\")\" ]"
  then ok "$1: no session and no disk left"; else not_ok "$1: sessions or disks left after logout"; fi
  say "BENCH $1 login $t_login"
  say "BENCH $1 disks $t_disks"
  say "BENCH $1 io $t_io"
  say "BENCH $1 logout $t_logout"
  say "BENCH $1 guest_mem_mib_per_session $(awk -v a="$mem0" -v b="$mem1" -v n="$N" 'BEGIN{printf "%.2f", (a - b) / n}')"
  say "BENCH $1 daemon_rss_kib_fds $usage"
}

use_our_initiator iqn.2026-11.org.example.scale:ours
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
measure ours "$PID_iscsid"
kill "$PID_iscsid"
if [ "$PEER" = 1 ]; then
  sleep 1
  rm -rf /etc/iscsi
  use_debian_initiator iqn.2026-11.org.example.scale:open-iscsi
  measure open-iscsi "$PID_iscsid_debian"
  kill "$PID_iscsid_debian" 2>/dev/null
fi
