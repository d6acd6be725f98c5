#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A failing backing device under our target (issue 14): a device-mapper device whose second
# half is an `error` target backs LUN 0 (block backstore), a fileio LUN 1 sits beside it. A
# write into the failing half reaches the initiator as MEDIUM ERROR (the kernel logs the sense),
# LUN 1 keeps serving, iscsi-targetd keeps running, and once the table is replaced by a working
# one the same write succeeds. (A full backing filesystem is tested on the host, 70-reliability.)
# vm-timeout: 300
. /lib/vm/lib.sh
TGT=iqn.2026-12.org.example.vm:backing-eio
INI=iqn.2026-12.org.example.vm:backing-ini
IMG=/var/lib/iscsi_disks/good.img
export PATH=$OURS:$PATH
SECTORS=131072   # 64 MiB; the error half starts at 32 MiB

step "device-mapper device bad: 32 MiB zero, then 32 MiB error" sh -c "
  printf '0 65536 zero\n65536 65536 error\n' | /usr/sbin/dmsetup create bad --noudevsync &&
  /usr/sbin/dmsetup table bad && [ -b /dev/dm-0 ]"
mkdir -p /var/lib/iscsi_disks
step "our target: LUN 0 = block /dev/dm-0, LUN 1 = fileio 16M" sh -c "
  iscsi-target /backstores/block create bad /dev/dm-0 &&
  iscsi-target /backstores/fileio create good $IMG 16M &&
  iscsi-target /iscsi create $TGT &&
  iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/block/bad &&
  iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/fileio/good &&
  iscsi-target /iscsi/$TGT/tpg1/acls create $INI && iscsi-target saveconfig"
bg iscsi-targetd iscsi-targetd -f
wait_for 20 'netstat -ltn | grep -q ":3260 "'

use_our_initiator "$INI"
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
step "discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step "login" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
wait_for 30 '[ "$(ls /sys/class/scsi_disk | wc -l)" -ge 2 ]'
# lun_disk L: the sd name of LUN L of the session
lun_disk() { for b in /sys/class/scsi_disk/*:$1/device/block/*; do [ -e "$b" ] && basename "$b"; done | head -1; }
bad=/dev/$(lun_disk 0) good=/dev/$(lun_disk 1)
step_sh "both LUNs are disks ($bad, $good)" "[ -b $bad ] && [ -b $good ] && [ $bad != $good ]"

dmesg -c >/dev/null
dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 2>/dev/null
step "EIO: a write into the zero half of LUN 0 succeeds" dd if=/tmp/chunk of=$bad bs=1M seek=4 oflag=direct conv=fsync
step_rc 1 "EIO from the backing device: a write into its error half fails" dd if=/tmp/chunk of=$bad bs=1M seek=40 oflag=direct conv=fsync
run sh -c 'dmesg | grep -i "sense\|error" | tail -6'
step_sh "EIO: the initiator got MEDIUM ERROR sense (kernel log)" "dmesg | grep -q 'Sense Key : Medium Error'"
step_sh "EIO: ... with ASC Write error (0c/00)" "dmesg | grep -qi 'Add. Sense: Write error'"
step_sh "EIO: the other LUN keeps serving (1 MiB written, read back, compared)" "
  dd if=/tmp/chunk of=$good bs=1M seek=2 oflag=direct conv=fsync 2>/dev/null &&
  dd if=$good of=/tmp/back bs=1M skip=2 count=1 iflag=direct 2>/dev/null && cmp -s /tmp/chunk /tmp/back"
step_sh "EIO: iscsi-targetd keeps running" "kill -0 $PID_iscsi_targetd"
step "EIO: the failing half is replaced by a working table" sh -c "
  printf '0 $SECTORS zero\n' | /usr/sbin/dmsetup reload bad --noudevsync && /usr/sbin/dmsetup resume bad --noudevsync"
step "EIO: the same write succeeds once the device works again" dd if=/tmp/chunk of=$bad bs=1M seek=40 oflag=direct conv=fsync
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
step_stop iscsi-targetd
step "the device-mapper device is released and removed" /usr/sbin/dmsetup remove bad --noudevsync
