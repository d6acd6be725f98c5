#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Interop (issue 5 item 5, issue 3): Debian's open-iscsi 2.1.8 initiator against the project's
# target (iscsi-targetd, configured with iscsi-target), CHAP, in one guest on 127.0.0.1.
# The kernel's sd gets the disk: O_DIRECT I/O at two offsets checked against the backing
# file, then mkfs.xfs + mount + a file, logout.
# vm-timeout: 300
. /lib/vm/lib.sh
TGT=iqn.2026-11.org.example.vm:interop
INI=iqn.2026-11.org.example.vm:open-iscsi
IMG=/var/lib/iscsi_disks/interop.img
export PATH=$OURS:$PATH

mkdir -p /var/lib/iscsi_disks
step "our target configured with iscsi-target (fileio 512M, LUN, ACL, CHAP)" sh -c "
  iscsi-target /backstores/fileio create interop $IMG 512M &&
  iscsi-target /iscsi create $TGT &&
  iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/fileio/interop &&
  iscsi-target /iscsi/$TGT/tpg1/acls create $INI &&
  iscsi-target /iscsi/$TGT/tpg1/acls/$INI set auth userid=interop password=interop-secret"
bg iscsi-targetd iscsi-targetd -f
wait_for 20 'listening 3260'
step "iscsi-targetd listens on port 3260" sh -c 'netstat -ltn | grep ":3260 "'

use_debian_initiator "$INI"
set_conf /etc/iscsi/iscsid.conf node.session.auth.authmethod CHAP
set_conf /etc/iscsi/iscsid.conf node.session.auth.username interop
set_conf /etc/iscsi/iscsid.conf node.session.auth.password interop-secret
run sh -c 'ls -l $(command -v iscsiadm); iscsiadm --version'
before=$(disks)
step "open-iscsi: discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
expect_out "open-iscsi: discovery lists the target on 127.0.0.1:3260,1" "127.0.0.1:3260,1 $TGT"
logged_in=0
step "open-iscsi: login with CHAP" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login && logged_in=1
at_exit 'umount /mnt 2>/dev/null; iscsiadm -m node -U all >/dev/null 2>&1'
run iscsiadm -m session -P 3
[ $logged_in = 1 ] && wait_for 30 '[ -n "$(new_disks "$before")" ]'
dev=$(new_disks "$before" | head -1)
if [ -n "$dev" ] && [ "$(awk -v d="$dev" '$4==d {print $3}' /proc/partitions)" = 524288 ]; then
  ok "open-iscsi: disk /dev/$dev appears with 512 MiB"
else
  not_ok "open-iscsi: 512 MiB disk appears (found: ${dev:-none})"
fi
d=/dev/${dev:-sdX}
run sh -c "cat /sys/block/${dev:-sdX}/device/vendor /sys/block/${dev:-sdX}/device/model /sys/block/${dev:-sdX}/queue/logical_block_size /sys/block/${dev:-sdX}/queue/physical_block_size /sys/block/${dev:-sdX}/queue/optimal_io_size"

dd if=/dev/urandom of=/tmp/p1 bs=1M count=4 2>/dev/null
dd if=/dev/urandom of=/tmp/p2 bs=1M count=2 2>/dev/null
step "O_DIRECT write 4 MiB at 0 and 2 MiB at 500 MiB" sh -c "
  dd if=/tmp/p1 of=$d bs=1M oflag=direct && dd if=/tmp/p2 of=$d bs=1M seek=500 oflag=direct"
step "O_DIRECT read back" sh -c "
  dd if=$d of=/tmp/r1 bs=1M count=4 iflag=direct && dd if=$d of=/tmp/r2 bs=1M skip=500 count=2 iflag=direct"
step_sh "read-back checksums match" "cmp /tmp/p1 /tmp/r1 && cmp /tmp/p2 /tmp/r2 && sha256sum /tmp/p1 /tmp/r1 /tmp/p2 /tmp/r2"
step_sh "target's backing file holds both extents" "
  dd if=$IMG of=/tmp/b1 bs=1M count=4 2>/dev/null && dd if=$IMG of=/tmp/b2 bs=1M skip=500 count=2 2>/dev/null &&
  cmp /tmp/p1 /tmp/b1 && cmp /tmp/p2 /tmp/b2"
step "mkfs.xfs -i size=1024 -s size=4096 $d" mkfs.xfs -f -i size=1024 -s size=4096 "$d"
step "mount $d /mnt" mount "$d" /mnt
onmnt="grep -q '^$d /mnt xfs ' /proc/mounts"
step_sh "file written, synced and read back" \
  "$onmnt && dd if=/dev/urandom of=/mnt/f bs=1M count=8 2>/dev/null && sync && sha256sum /mnt/f > /tmp/f.sha && echo 3 > /proc/sys/vm/drop_caches && sha256sum -c /tmp/f.sha"
step "umount /mnt" umount /mnt
step "open-iscsi: logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
expect_disk_gone
step_sh "iscsi-targetd still running" "kill -0 $PID_iscsi_targetd"
true
