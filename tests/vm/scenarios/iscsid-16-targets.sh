#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 5 scenario 4: 16 targets logged in at once. First 16 concurrent iscsiadm logins plus a
# concurrent duplicate of each (iscsid logs in many nodes in parallel and never makes a second
# session for a node: every duplicate gets 15), every disk appears, --logoutall; then
# --loginall=all / --logoutall=all through the node database.
# vm-timeout: 300
. /lib/vm/lib.sh
INI=iqn.2026-11.org.example.vm:ours
N=16

mkdir -p /var/lib/iscsi_disks
start_tgtd
cfg=""
i=1
while [ $i -le $N ]; do
  truncate -s 16M /var/lib/iscsi_disks/t$i.img
  cfg="$cfg tgtadm --lld iscsi --mode target --op new --tid $i --targetname iqn.2026-11.org.example.vm:t$i &&
    tgtadm --lld iscsi --mode logicalunit --op new --tid $i --lun 1 --backing-store /var/lib/iscsi_disks/t$i.img &&
    tgtadm --lld iscsi --mode target --op bind --tid $i --initiator-address ALL &&"
  i=$((i + 1))
done
step_sh "tgtd: $N targets with one 16 MiB LUN each" "$cfg true"

use_our_initiator "$INI"
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery finds the targets" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step_sh "$N node records" "[ \$(iscsiadm -m node | grep -c 'iqn.2026-11.org.example.vm:t') = $N ]"

# Two concurrent logins per node: exactly one of each pair succeeds, the other gets 15.
cat > /tmp/par.sh <<P
i=1
while [ \$i -le $N ]; do
  for k in a b; do
    ( iscsiadm -m node -T iqn.2026-11.org.example.vm:t\$i -p 127.0.0.1 --login >/tmp/login-\$i\$k.out 2>&1; echo \$? > /tmp/rc-\$i\$k ) &
  done
  i=\$((i + 1))
done
wait
P
step "32 concurrent logins (2 per node)" sh /tmp/par.sh
step_sh "each node: one login succeeded (0), its duplicate got 15" '
  bad=0; i=1
  while [ $i -le '$N' ]; do
    pair="$(cat /tmp/rc-${i}a) $(cat /tmp/rc-${i}b)"
    case "$pair" in "0 15"|"15 0") ;; *) echo "node t$i: exit codes $pair"; bad=1 ;; esac
    i=$((i + 1))
  done; [ $bad = 0 ]'
step_sh "$N kernel sessions, one per target" "[ \$(ls -d /sys/class/iscsi_session/session* | wc -l) = $N ] &&
  [ \$(cat /sys/class/iscsi_session/session*/targetname | sort -u | wc -l) = $N ]"
if wait_for 60 "[ \$(new_disks \"$before\" | wc -l) = $N ]"; then ok "$N disks appear"; else not_ok "$N disks appear ($(new_disks "$before" | wc -l))"; fi
step_sh "iscsiadm -m session lists $N sessions" "[ \$(iscsiadm -m session | grep -c 'iqn.2026-11.org.example.vm:t') = $N ]"
step "logout of all sessions (-U all)" iscsiadm -m node -U all
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
if wait_for 30 "[ -z \"\$(new_disks \"$before\")\" ]"; then ok "every disk gone"; else not_ok "every disk gone"; fi

step "--loginall=all" iscsiadm -m node --loginall=all
step_sh "$N sessions again" "[ \$(ls -d /sys/class/iscsi_session/session* | wc -l) = $N ]"
if wait_for 60 "[ \$(new_disks \"$before\" | wc -l) = $N ]"; then ok "$N disks appear again"; else not_ok "$N disks appear again"; fi
step "--logoutall=all" iscsiadm -m node --logoutall=all
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
