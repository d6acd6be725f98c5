#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Interop (issue 5 item 5): the project's iscsid + iscsiadm against Debian's tgtd 1.0.85, CHAP,
# in one guest on 127.0.0.1. O_DIRECT I/O at two offsets checked against tgtd's backing file,
# mkfs.xfs + mount + a file, logout. Debian's open-iscsi is not in PATH here.
# vm-timeout: 300
. /lib/vm/lib.sh
TGT=iqn.2026-11.org.example.vm:tgtd
INI=iqn.2026-11.org.example.vm:ours
IMG=/var/lib/iscsi_disks/tgtd.img

mkdir -p /var/lib/iscsi_disks
truncate -s 512M $IMG
start_tgtd
step "tgtd: target, 512 MiB LUN, CHAP account" sh -c "
  tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store $IMG &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address 127.0.0.1 &&
  tgtadm --lld iscsi --mode account --op new --user ours --password ours-secret-1 &&
  tgtadm --lld iscsi --mode account --op bind --tid 1 --user ours"

use_our_initiator "$INI"
step "our iscsid running" test -S /run/iscsid/iscsid.sock
set_conf /etc/iscsi/iscsid.conf node.session.auth.authmethod CHAP
set_conf /etc/iscsi/iscsid.conf node.session.auth.username ours
set_conf /etc/iscsi/iscsid.conf node.session.auth.password ours-secret-1
before=$(disks)
step "discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
expect_out "discovery lists the target on 127.0.0.1:3260,1" "127.0.0.1:3260,1 $TGT"
logged_in=0
step "login with CHAP" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login && logged_in=1
at_exit 'umount /mnt 2>/dev/null; iscsiadm -m node -U all >/dev/null 2>&1'
step "session listed" iscsiadm -m session
expect_out "session line" "127.0.0.1:3260,1 $TGT (non-flash)"
[ $logged_in = 1 ] && wait_for 30 '[ -n "$(new_disks "$before")" ]'
dev=$(new_disks "$before" | head -1)
if [ -n "$dev" ] && [ "$(awk -v d="$dev" '$4==d {print $3}' /proc/partitions)" = 524288 ]; then
  ok "disk /dev/$dev appears with 512 MiB"
else
  not_ok "512 MiB disk appears (found: ${dev:-none})"
fi
d=/dev/${dev:-sdX}

dd if=/dev/urandom of=/tmp/p1 bs=1M count=4 2>/dev/null
dd if=/dev/urandom of=/tmp/p2 bs=1M count=2 2>/dev/null
step "O_DIRECT write 4 MiB at 0 and 2 MiB at 500 MiB" sh -c "
  dd if=/tmp/p1 of=$d bs=1M oflag=direct && dd if=/tmp/p2 of=$d bs=1M seek=500 oflag=direct"
step "O_DIRECT read back" sh -c "
  dd if=$d of=/tmp/r1 bs=1M count=4 iflag=direct && dd if=$d of=/tmp/r2 bs=1M skip=500 count=2 iflag=direct"
step_sh "read-back matches" "cmp /tmp/p1 /tmp/r1 && cmp /tmp/p2 /tmp/r2"
step_sh "tgtd's backing file holds both extents" "
  dd if=$IMG of=/tmp/b1 bs=1M count=4 2>/dev/null && dd if=$IMG of=/tmp/b2 bs=1M skip=500 count=2 2>/dev/null &&
  cmp /tmp/p1 /tmp/b1 && cmp /tmp/p2 /tmp/b2"
step "mkfs.xfs" mkfs.xfs -f "$d"
step "mount $d /mnt" mount "$d" /mnt
onmnt="grep -q '^$d /mnt xfs ' /proc/mounts"
step_sh "file written, synced, re-read from disk" \
  "$onmnt && dd if=/dev/urandom of=/mnt/f bs=1M count=8 2>/dev/null && sync && sha256sum /mnt/f > /tmp/f.sha && echo 3 > /proc/sys/vm/drop_caches && sha256sum -c /tmp/f.sha"
step "umount /mnt" umount /mnt
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
expect_disk_gone
step_sh "no session left in sysfs" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
true
