#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Safe logout and daemon restart: a session whose partition is mounted is not logged out (the
# message names the mount) until it is unmounted; iscsid is killed and restarted with the
# session up, and the new daemon adopts it from sysfs (it still logs it out properly).
# vm-timeout: 240
. /lib/vm/lib.sh
TGT=iqn.2026-11.org.example.vm:safe
INI=iqn.2026-11.org.example.vm:ours
IMG=/var/lib/iscsi_disks/safe.img

mkdir -p /var/lib/iscsi_disks /mnt/safe
truncate -s 512M $IMG
start_tgtd
step_sh "tgtd: target with a 512 MiB LUN" "
  tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store $IMG &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL"
use_our_initiator "$INI"
at_exit 'umount /mnt/safe 2>/dev/null; iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step "login" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
expect_new_disk "$before"
d=/dev/${dev:-sdX}
step "partition table and one partition" parted -s $d mklabel gpt mkpart primary 1MiB 100%
wait_for 10 "[ -b ${d}1 ]"
step "mkfs.xfs on the partition" mkfs.xfs -q -f ${d}1
step "mount it" mount -t xfs ${d}1 /mnt/safe
step_sh "write a file" "dd if=/dev/urandom of=/mnt/safe/f bs=1M count=2 2>/dev/null && sync && sha256sum /mnt/safe/f > /tmp/f.sum"
# The refusal is error 28 for the session; as open-iscsi, iscsiadm exits 21 when no selected
# session could be logged out.
step_sh "logout refused while mounted (28, exit 21), naming the mount" \
  "iscsiadm -m node -T $TGT -p 127.0.0.1 --logout > /tmp/out 2>&1; rc=\$?; cat /tmp/out /tmp/iscsid.log | tail -3; [ \$rc = 21 ] && grep -q 'initiator reported error (28 - device or resource in use)' /tmp/out && grep -q '/mnt/safe' /tmp/iscsid.log"
step_sh "session still there" "grep -qx LOGGED_IN /sys/class/iscsi_session/session*/state"

step "stop iscsid (sessions stay in the kernel)" kill "$PID_iscsid"
sleep 1
step_sh "session survives the daemon" "grep -qx LOGGED_IN /sys/class/iscsi_session/session*/state && [ -f /mnt/safe/f ]"
bg iscsid2 /opt/iscsi-tools/sbin/iscsid -f
wait_for 10 'test -S /run/iscsid/iscsid.sock'
sleep 1
step_sh "restarted iscsid adopts the session from sysfs" "grep -q 'adopted session' /tmp/iscsid2.log"
step_rc 15 "login again: session exists (15)" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
step "umount" umount /mnt/safe
step "logout after unmount" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
step "log in again" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
wait_for 30 "[ -b ${d}1 ]"
step "mount again" mount -t xfs ${d}1 /mnt/safe
step_sh "file intact across logout/login" "sha256sum -c /tmp/f.sum"
step "umount" umount /mnt/safe
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
