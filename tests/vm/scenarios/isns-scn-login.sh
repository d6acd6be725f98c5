#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# iSNS state change notifications (issue 12): our iscsid, with an isns discovery record set to
# discovery.isns.use_discoveryd = Yes, registers for SCNs with Debian's isnsd; a target that
# registers later (our iscsi-targetd --isns) is logged in to by iscsid on the SCN (kernel disk,
# I/O); when the target leaves the server, iscsid logs it.
# vm-timeout: 300
. /lib/vm/lib.sh
. /lib/vm/isns.sh
TGT=iqn.2026-12.org.example.vm:isns-scn
INI=iqn.2026-12.org.example.vm:isns-scn-initiator

if [ ! -x $ISNSBIN/isnsd ]; then
  skip "isns scn login" "open-isns is not in the image (open-isns-server/-utils missing on the host)"
  exit 0
fi
start_isnsd 10m
step "isnsd listens on port 3205" sh -c 'netstat -ltn | grep ":3205 "'
our_iscsi_config "$INI"
step "iSNS discovery record with use_discoveryd = Yes" sh -c "
  iscsiadm -m discoverydb -t isns -p 127.0.0.1 -o new &&
  iscsiadm -m discoverydb -t isns -p 127.0.0.1 -o update -n discovery.isns.use_discoveryd -v Yes"
start_our_iscsid
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
if wait_for 20 'grep -q "registered .* for state change notifications" /tmp/iscsid.log'; then
  ok "iscsid registered for state change notifications"
else
  not_ok "iscsid registered for state change notifications"
fi

step "our target configured with iscsi-target (ramdisk 64M, LUN, ACL)" sh -c "
  iscsi-target /backstores/ramdisk create rd1 64M &&
  iscsi-target /iscsi create $TGT &&
  iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/ramdisk/rd1 &&
  iscsi-target /iscsi/$TGT/tpg1/acls create $INI"
before=$(disks)
bg iscsi-targetd iscsi-targetd -f --isns=127.0.0.1
if wait_for 40 "grep -q 'iSNS: logged in to $TGT' /tmp/iscsid.log"; then
  ok "the SCN for the new target made iscsid log in to it"
else
  not_ok "the SCN for the new target made iscsid log in to it"
fi
run grep iSNS /tmp/iscsid.log
step_sh "the login followed the SCN that named the target (not a poll)" \
  "grep -q 'state change notification .*node $TGT' /tmp/iscsid.log"
expect_new_disk "$before"
step "session listed" iscsiadm -m session
expect_out "the session is to the target found through iSNS" "$TGT"
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
step "write 4 MiB with O_DIRECT" dd if=/tmp/pattern of="/dev/${dev:-sdX}" bs=1M oflag=direct
step "read back with O_DIRECT" dd if="/dev/${dev:-sdX}" of=/tmp/back bs=1M count=4 iflag=direct
step "read-back matches" cmp /tmp/pattern /tmp/back
step "logout" iscsiadm -m node -U all
step_stop iscsi-targetd
if wait_for 20 "grep -q 'target $TGT at .* is gone' /tmp/iscsid.log"; then
  ok "iscsid logs that the target left the iSNS server"
else
  not_ok "iscsid logs that the target left the iSNS server"
fi
step_stop iscsid
