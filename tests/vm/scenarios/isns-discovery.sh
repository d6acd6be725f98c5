#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# iSNS discovery (issue 12): Debian's isnsd on the guest's loopback; our iscsi-targetd registers
# its target there (--isns); Debian's open-iscsi and our iscsiadm discover it through isnsd with
# the same output and node record; our initiator logs in (kernel disk, O_DIRECT I/O); the target
# deregisters when it stops.
# vm-timeout: 300
. /lib/vm/lib.sh
. /lib/vm/isns.sh
TGT=iqn.2026-12.org.example.vm:isns-disc
INI=iqn.2026-12.org.example.vm:isns-initiator
export PATH=$OURS:$PATH

if [ ! -x $ISNSBIN/isnsd ]; then
  skip "isns discovery" "open-isns is not in the image (open-isns-server/-utils missing on the host)"
  exit 0
fi
start_isnsd 10m
step "isnsd listens on port 3205" sh -c 'netstat -ltn | grep ":3205 "'
step "our target configured with iscsi-target (ramdisk 64M, LUN, ACL)" sh -c "
  iscsi-target /backstores/ramdisk create rd1 64M &&
  iscsi-target /iscsi create $TGT &&
  iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/ramdisk/rd1 &&
  iscsi-target /iscsi/$TGT/tpg1/acls create $INI"
bg iscsi-targetd iscsi-targetd -f --isns=127.0.0.1
wait_for 20 'grep -q "registered entity" /tmp/iscsi-targetd.log'
step_sh "iscsi-targetd registered its target with isnsd" \
  "$ISNSBIN/isnsadm -c /tmp/isns/isnsadm.conf --list nodes | grep -F '\"$TGT\"'"

# Debian's open-iscsi first (its iscsiadm asks its iscsid for the initiator name).
use_debian_initiator "$INI"
step "open-iscsi: discovery -t isns -p 127.0.0.1" iscsiadm -m discovery -t isns -p 127.0.0.1
expect_out "open-iscsi lists the target at 127.0.0.1:3260,1" "127.0.0.1:3260,1 $TGT"
cp /tmp/.vm-last.out /tmp/isns-debian.out
step_rc 6 "open-iscsi: -m discovery -t isns writes no discovery record" \
  iscsiadm -m discoverydb -t isns -p 127.0.0.1 -o show
cp /tmp/.vm-last.out /tmp/isns-debian-db.out
rm -rf /tmp/isns-debian-nodes; cp -a /etc/iscsi/nodes /tmp/isns-debian-nodes
run iscsiadm -m discoverydb -t isns -p 127.0.0.1 -o new
run iscsiadm -m discoverydb -t isns -p 127.0.0.1 --discover
cp /tmp/.vm-last.out /tmp/isns-debian-discover.out
run iscsiadm -m discovery -t isns -p 127.0.0.1:1
echo "$_VM_RC" > /tmp/isns-debian-unreachable.rc
cp /tmp/.vm-last.out /tmp/isns-debian-unreachable.out
# SIGKILL: Debian's iscsid answers SIGTERM by signalling its whole process group (this script)
# shellcheck disable=SC2154 # PID_iscsid_debian is set by bg (lib.sh)
run kill -KILL "$PID_iscsid_debian"
rm -rf /etc/iscsi

use_our_initiator "$INI"
cp /usr/share/iscsi-debian/iscsid.conf /etc/iscsi/iscsid.conf   # the same defaults as Debian's
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
step "ours: discovery -t isns -p 127.0.0.1" iscsiadm -m discovery -t isns -p 127.0.0.1
step_sh "ours: the same output as open-iscsi" "diff /tmp/isns-debian.out /tmp/.vm-last.out"
step_rc 6 "ours: -m discovery -t isns writes no discovery record either" \
  iscsiadm -m discoverydb -t isns -p 127.0.0.1 -o show
step_sh "ours: the same message as open-iscsi" "diff /tmp/isns-debian-db.out /tmp/.vm-last.out"
step_sh "ours: the same node record as open-iscsi" \
  "diff /tmp/isns-debian-nodes/$TGT/127.0.0.1,3260,1/default /etc/iscsi/nodes/$TGT/127.0.0.1,3260,1/default"
run iscsiadm -m discoverydb -t isns -p 127.0.0.1 -o new
run iscsiadm -m discoverydb -t isns -p 127.0.0.1 --discover
step_sh "ours: discoverydb --discover prints what open-iscsi prints" "diff /tmp/isns-debian-discover.out /tmp/.vm-last.out"
run iscsiadm -m discovery -t isns -p 127.0.0.1:1
if [ "$_VM_RC" = "$(cat /tmp/isns-debian-unreachable.rc)" ]; then
  ok "ours: an unreachable iSNS server gives open-iscsi's exit code ($_VM_RC)"
else
  not_ok "ours: an unreachable iSNS server gives open-iscsi's exit code (ours $_VM_RC, open-iscsi $(cat /tmp/isns-debian-unreachable.rc))"
fi
step_sh "ours: the same last two lines as open-iscsi (before them each names the failure its own way)" \
  "tail -2 /tmp/isns-debian-unreachable.out > /tmp/u1; tail -2 /tmp/.vm-last.out > /tmp/u2; diff /tmp/u1 /tmp/u2"
run cat /tmp/isns-debian-unreachable.out
before=$(disks)
step "ours: login to the target found through iSNS" iscsiadm -m node -T "$TGT" -p 127.0.0.1:3260 --login
expect_new_disk "$before"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
step "write 4 MiB with O_DIRECT" dd if=/tmp/pattern of="/dev/${dev:-sdX}" bs=1M oflag=direct
step "read back with O_DIRECT" dd if="/dev/${dev:-sdX}" of=/tmp/back bs=1M count=4 iflag=direct
step "read-back matches" cmp /tmp/pattern /tmp/back
step "logout" iscsiadm -m node -U all
step_stop iscsi-targetd
step_sh "the stopped target deregistered from isnsd" \
  "! $ISNSBIN/isnsadm -c /tmp/isns/isnsadm.conf --list nodes | grep -F '\"$TGT\"'"
