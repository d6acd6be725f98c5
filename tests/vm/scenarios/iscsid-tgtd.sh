#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Interop (issue 5 item 5): our iscsid + our iscsiadm against Debian's tgtd, in one guest on
# 127.0.0.1, with CHAP. Proves the kernel path: the login runs in iscsid, the socket goes to
# iscsi_tcp, /dev/sdX appears, O_DIRECT data round-trips, -m session / -P 3 / -s work, and
# logout removes the disk and the session.
# vm-timeout: 240
. /lib/vm/lib.sh
TGT=iqn.2026-11.org.example.vm:tgtd-interop
INI=iqn.2026-11.org.example.vm:ours
IMG=/var/lib/iscsi_disks/tgtd.img

mkdir -p /var/lib/iscsi_disks
truncate -s 64M $IMG
start_tgtd
step "tgtd: target, 64 MiB LUN, CHAP account" sh -c "
  tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store $IMG &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL &&
  tgtadm --lld iscsi --mode account --op new --user ours --password ours-secret-1 &&
  tgtadm --lld iscsi --mode account --op bind --tid 1 --user ours"

use_our_initiator "$INI"
set_conf /etc/iscsi/iscsid.conf node.session.auth.authmethod CHAP
set_conf /etc/iscsi/iscsid.conf node.session.auth.username ours
set_conf /etc/iscsi/iscsid.conf node.session.auth.password ours-secret-1
run sh -c 'command -v iscsiadm iscsid'
before=$(disks)
step "discovery (sendtargets 127.0.0.1)" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
logged_in=0
step "our iscsid: login with CHAP" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login && logged_in=1
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
[ $logged_in = 1 ] && wait_for 30 '[ -n "$(new_disks "$before")" ]'
dev=$(new_disks "$before" | head -1)
if [ -n "$dev" ]; then ok "disk appears (/dev/$dev)"; else not_ok "disk appears"; fi
step_sh "kernel session is LOGGED_IN with our target name" \
  "grep -qx LOGGED_IN /sys/class/iscsi_session/session*/state && grep -qx $TGT /sys/class/iscsi_session/session*/targetname"
step "session listed" iscsiadm -m session
run iscsiadm -m session -P 3
run iscsiadm -m session -r 1 -s
dd if=/dev/urandom of=/tmp/pattern bs=1M count=4 2>/dev/null
step "write 4 MiB with O_DIRECT" dd if=/tmp/pattern of="/dev/${dev:-sdX}" bs=1M oflag=direct
step "read back with O_DIRECT" dd if="/dev/${dev:-sdX}" of=/tmp/back bs=1M count=4 iflag=direct
step_sh "read-back checksum matches" "[ \"\$(sha256sum < /tmp/pattern)\" = \"\$(sha256sum < /tmp/back)\" ]"
step_sh "tgtd's backing file holds the data" "[ \"\$(dd if=$IMG bs=1M count=4 2>/dev/null | sha256sum)\" = \"\$(sha256sum < /tmp/pattern)\" ]"
step_rc 15 "second login to the same node: session exists (15)" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
if wait_for 15 "[ ! -e /sys/block/${dev:-sdX} ]"; then ok "disk gone after logout"; else not_ok "disk gone after logout"; fi
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"

# Header and data digests (CRC32C): negotiated in our login, handed to iscsi_tcp by SET_PARAM.
step "tgtd: allow CRC32C digests on the target" sh -c "
  tgtadm --lld iscsi --mode target --op update --tid 1 --name HeaderDigest --value CRC32C,None &&
  tgtadm --lld iscsi --mode target --op update --tid 1 --name DataDigest --value CRC32C,None"
step "node record: HeaderDigest/DataDigest CRC32C,None" sh -c "
  iscsiadm -m node -T $TGT -p 127.0.0.1 -o update -n node.conn[0].iscsi.HeaderDigest -v CRC32C,None &&
  iscsiadm -m node -T $TGT -p 127.0.0.1 -o update -n node.conn[0].iscsi.DataDigest -v CRC32C,None"
before=$(disks)
step "login with digests" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
expect_new_disk "$before"
step_sh "iscsi_tcp runs with both digests" "cat /sys/class/iscsi_connection/connection*/header_digest /sys/class/iscsi_connection/connection*/data_digest;
  grep -qx 1 /sys/class/iscsi_connection/connection*/header_digest && grep -qx 1 /sys/class/iscsi_connection/connection*/data_digest"
dd if=/dev/urandom of=/tmp/pattern2 bs=1M count=4 2>/dev/null
step "write 4 MiB with digests" dd if=/tmp/pattern2 of="/dev/${dev:-sdX}" bs=1M seek=8 oflag=direct
step_sh "read back with digests matches" "[ \"\$(dd if=/dev/${dev:-sdX} bs=1M skip=8 count=4 iflag=direct 2>/dev/null | sha256sum)\" = \"\$(sha256sum < /tmp/pattern2)\" ]"
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
