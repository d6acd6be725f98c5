#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 5 scenario 3 against the project's own target: iscsi-targetd (CHAP) is killed with
# SIGKILL during fsync'd writes and started again from its saved configuration; iscsid
# reconnects and logs in again with CHAP on the same session, the writes finish, and everything
# fsync'd reads back intact.
# vm-timeout: 300
. /lib/vm/lib.sh
TGT=iqn.2026-11.org.example.vm:recovery-ours
INI=iqn.2026-11.org.example.vm:ours
IMG=/var/lib/iscsi_disks/recovery-ours.img
export PATH=$OURS:$PATH

mkdir -p /var/lib/iscsi_disks
step "our target: fileio 64M, LUN, ACL with CHAP, saveconfig" sh -c "
  iscsi-target /backstores/fileio create rec $IMG 64M &&
  iscsi-target /iscsi create $TGT &&
  iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/fileio/rec &&
  iscsi-target /iscsi/$TGT/tpg1/acls create $INI &&
  iscsi-target /iscsi/$TGT/tpg1/acls/$INI set auth userid=rec password=rec-secret-12 &&
  iscsi-target saveconfig"
bg iscsi-targetd iscsi-targetd -f
wait_for 20 'netstat -ltn | grep -q ":3260 "'

use_our_initiator "$INI"
set_conf /etc/iscsi/iscsid.conf node.session.auth.authmethod CHAP
set_conf /etc/iscsi/iscsid.conf node.session.auth.username rec
set_conf /etc/iscsi/iscsid.conf node.session.auth.password rec-secret-12
set_conf /etc/iscsi/iscsid.conf node.session.timeo.replacement_timeout 90
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step "login with CHAP" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
expect_new_disk "$before"
d=/dev/${dev:-sdX}
sid_before=$(ls /sys/class/iscsi_session | head -1)

dd if=/dev/urandom of=/tmp/a bs=1M count=8 2>/dev/null
step "write 8 MiB at 0, O_DIRECT + fsync (before the kill)" dd if=/tmp/a of=$d bs=1M oflag=direct conv=fsync
dd if=/dev/urandom of=/tmp/b bs=1M count=1 2>/dev/null
start_chunk_writer writer "$d" 16 24 /tmp/done
wait_for 30 '[ "$(wc -l < /tmp/done)" -ge 3 ]'
step "kill iscsi-targetd with SIGKILL during the writes" kill -9 "$PID_iscsi_targetd"
sleep 3
step_sh "the kernel session left LOGGED_IN (connection failed)" "! grep -qx LOGGED_IN /sys/class/iscsi_session/$sid_before/state"
bg iscsi-targetd2 iscsi-targetd -f
step_sh "iscsi-targetd restarted from saveconfig.json" "for i in \$(seq 1 100); do netstat -ltn | grep -q ':3260 ' && exit 0; sleep 0.2; done; exit 1"
expect_recovered_writes "$sid_before" "$d" ", CHAP login repeated" "$IMG"
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
