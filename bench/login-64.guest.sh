#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest half of bench/login-64.sh (not a test scenario: the bench copies it into a private
# scenario directory). 64 targets on tgtd in the guest; our iscsid+iscsiadm, then Debian's
# open-iscsi, then ours again, each: --loginall=all (time until iscsiadm returns, and until all 64 disks exist),
# then --logoutall=all. Results are "BENCH <who> <metric> <seconds>" transcript lines.
# vm-timeout: 900
. /lib/vm/lib.sh
N=${BENCH_N:-64}
TRACE=${BENCH_TRACE:-0}
now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

mkdir -p /var/lib/iscsi_disks
start_tgtd
cfg=""
i=1
while [ $i -le $N ]; do
  truncate -s 8M /var/lib/iscsi_disks/t$i.img
  cfg="$cfg tgtadm --lld iscsi --mode target --op new --tid $i --targetname iqn.2026-11.org.example.bench:t$i &&
    tgtadm --lld iscsi --mode logicalunit --op new --tid $i --lun 1 --backing-store /var/lib/iscsi_disks/t$i.img &&
    tgtadm --lld iscsi --mode target --op bind --tid $i --initiator-address ALL &&"
  i=$((i + 1))
done
step_sh "tgtd: $N targets" "$cfg true"

# Each command's own wall time, output kept out of the transcript while it runs (printing 64
# lines on the serial console would be measured too).
timed() {  # timed DESC VAR CMD...: runs CMD, sets VAR to its wall time, reports the step
  _desc=$1 _var=$2; shift 2
  _t0=$(now)
  "$@" > /tmp/bench-cmd.out 2>&1; _rc=$?
  eval "$_var=$(elapsed "$_t0")"
  tail -n 3 /tmp/bench-cmd.out
  if [ $_rc = 0 ]; then ok "$_desc"; else not_ok "$_desc (exit $_rc)"; fi
}

# Where a logout's time goes (BENCH_TRACE=1): kprobes on the kernel functions of the teardown,
# each entry paired with its return on the same task; per function: calls, total and longest
# time and when its last call returned; and when the first probe fired and the last return came, counted from iscsiadm's start
# (trace timestamps and /proc/uptime are both time since boot). Probes cost little next to the
# work they time (function_graph on everything inflated it several times); a return probe
# keeps up to 256 calls in flight (removals of all sessions run at once).
TRACEFS=/sys/kernel/tracing
PROBES="iscsi_if_rx sdev_store_delete __scsi_remove_device __iscsi_unbind_session
  iscsi_remove_session iscsi_host_remove iscsi_host_free iscsi_session_teardown"
trace_start() {
  grep -q " $TRACEFS tracefs" /proc/mounts || mount -t tracefs tracefs $TRACEFS || return 1
  echo 0 > $TRACEFS/tracing_on; echo > $TRACEFS/trace; echo > $TRACEFS/kprobe_events
  echo 8192 > $TRACEFS/buffer_size_kb
  for f in $PROBES; do
    echo "p:in_$f $f" >> $TRACEFS/kprobe_events && echo "r256:out_$f $f" >> $TRACEFS/kprobe_events || return 1
  done
  echo 1 > $TRACEFS/events/kprobes/enable && echo 1 > $TRACEFS/tracing_on
}
trace_report() {  # trace_report WHO T0: T0 = uptime when iscsiadm started
  echo 0 > $TRACEFS/tracing_on
  awk -v who="$1" -v t0="$2" '
    $1 == "#" { next }
    { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { t = substr($i, 1, length($i) - 1) + 0; ev = $(i + 1); break }
      sub(/:$/, "", ev); task = $1; split(ev, p, "_"); f = substr(ev, length(p[1]) + 2)
      if (first == "" || t < first) first = t
      if (p[1] == "in") { start[task, f] = t }
      else if ((task, f) in start) {
        d = (t - start[task, f]) * 1000; n[f]++; sum[f] += d; if (d > max[f]) max[f] = d
        if (t > last) last = t; if (t > lastf[f]) lastf[f] = t; delete start[task, f] } }
    END { for (f in n) printf "BENCHTRACE %s %s calls %d total_ms %.1f max_ms %.1f last_return_after_ms %.1f\n",
                              who, f, n[f], sum[f], max[f], (lastf[f] - t0) * 1000
          printf "BENCHTRACE %s first_probe_after_ms %.1f last_return_after_ms %.1f\n", who,
                 (first - t0) * 1000, (last - t0) * 1000 }' $TRACEFS/trace |
    sort | while read -r line; do say "$line"; done
  echo 0 > $TRACEFS/events/kprobes/enable; echo > $TRACEFS/kprobe_events
}

measure() {  # measure WHO
  before=$(disks)
  step "$1: discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
  _t0=$(now)
  timed "$1: --loginall=all ($N nodes)" t_login iscsiadm -m node --loginall=all
  if wait_for 300 "[ \$(new_disks \"$before\" | wc -l) -ge $N ]"; then ok "$1: $N disks"; else not_ok "$1: $N disks ($(new_disks "$before" | wc -l))"; fi
  t_disks=$(elapsed "$_t0")
  [ "$TRACE" = 1 ] && { trace_start || note "kprobe tracing unavailable"; }
  t_lo0=$(now)
  timed "$1: --logoutall=all" t_logout iscsiadm -m node --logoutall=all
  wait_for 60 "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
  [ "$TRACE" = 1 ] && trace_report "$1" "$t_lo0"
  say "BENCH $1 login $t_login"
  say "BENCH $1 disks $t_disks"
  say "BENCH $1 logout $t_logout"
}

# Ours, open-iscsi, ours again: the host's load drifts over a run (open-iscsi's login alone takes
# minutes), so our numbers are taken on both sides of open-iscsi's and averaged (ours-1, ours-2
# are reported too).
use_our_initiator iqn.2026-11.org.example.bench:ours
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
measure ours-1
stop_bg iscsid
rm -rf /etc/iscsi
# Debian's iscsid signals its whole process group when it stops: a session of its own keeps
# that away from this script (use_debian_initiator, without it, would end the bench with 143).
export PATH=$DEBIAN:$PATH
mkdir -p /etc/iscsi /run/lock/iscsi
cp /usr/share/iscsi-debian/iscsid.conf /etc/iscsi/iscsid.conf
echo "InitiatorName=iqn.2026-11.org.example.bench:open-iscsi" > /etc/iscsi/initiatorname.iscsi
bg iscsid-debian setsid $DEBIAN/iscsid -f
wait_for 10 'test -S /run/iscsid.socket || grep -q ISCSIADM_ABSTRACT /proc/net/unix'
measure open-iscsi
stop_bg iscsid-debian
rm -rf /etc/iscsi
export PATH=$(echo "$PATH" | sed "s|$DEBIAN:||g")
use_our_initiator iqn.2026-11.org.example.bench:ours
measure ours-2
stop_bg iscsid
