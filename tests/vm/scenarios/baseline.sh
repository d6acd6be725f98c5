#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Harness baseline: Debian's open-iscsi against Debian's tgtd, both in the guest on 127.0.0.1.
# Proves the VM, the modules and the helpers, independent of the project's code.
# vm-timeout: 240
. /lib/vm/lib.sh

TGT=iqn.2026-11.org.example.vm:baseline
INI=iqn.2026-11.org.example.vm:initiator

mkdir -p /var/lib/iscsi_disks
truncate -s 64M /var/lib/iscsi_disks/baseline.img
start_tgtd
step "tgtd: target with a 64 MiB fileio LUN" sh -c "
  tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store /var/lib/iscsi_disks/baseline.img &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL"

use_debian_initiator "$INI"
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery (sendtargets 127.0.0.1)" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step_sh "discovery lists the target" "iscsiadm -m node | grep -F '127.0.0.1:3260,1 $TGT'"
step "login" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
expect_new_disk "$before"
step "session listed" iscsiadm -m session
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
step "write 4 MiB with O_DIRECT" dd if=/tmp/pattern of="/dev/${dev:-sdX}" bs=1M oflag=direct
step "read back with O_DIRECT" dd if="/dev/${dev:-sdX}" of=/tmp/back bs=1M count=4 iflag=direct
step_sh "read-back checksum matches" "sha256sum /tmp/pattern /tmp/back; [ \"\$(sha256sum < /tmp/pattern)\" = \"\$(sha256sum < /tmp/back)\" ]"
step_sh "target's backing file holds the data" "dd if=/var/lib/iscsi_disks/baseline.img bs=1M count=4 2>/dev/null | sha256sum; [ \"\$(dd if=/var/lib/iscsi_disks/baseline.img bs=1M count=4 2>/dev/null | sha256sum)\" = \"\$(sha256sum < /tmp/pattern)\" ]"
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
if wait_for 15 "[ ! -e /sys/block/${dev:-sdX} ]"; then ok "disk gone after logout"; else not_ok "disk gone after logout"; fi
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
