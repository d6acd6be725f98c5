#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 5 scenario 3: the target is killed (SIGKILL) and restarted while a writer runs. The
# kernel reports the connection error, iscsid stops the connection for recovery, waits
# DefaultTime2Wait, reconnects and logs in again on the same session (same sid, same sda);
# the blocked writes continue, and everything fsync'd before the kill reads back intact.
# vm-timeout: 300
. /lib/vm/lib.sh
TGT=iqn.2026-11.org.example.vm:recovery
INI=iqn.2026-11.org.example.vm:ours
IMG=/var/lib/iscsi_disks/recovery.img

mkdir -p /var/lib/iscsi_disks
truncate -s 64M $IMG
CONFIGURE_TGT="tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store $IMG &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL"
start_tgtd
step_sh "tgtd: target with a 64 MiB LUN" "$CONFIGURE_TGT"

use_our_initiator "$INI"
set_conf /etc/iscsi/iscsid.conf node.session.timeo.replacement_timeout 90
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step "login" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
expect_new_disk "$before"
d=/dev/${dev:-sdX}
sid_before=$(ls /sys/class/iscsi_session | head -1)

dd if=/dev/urandom of=/tmp/a bs=1M count=8 2>/dev/null
step "write 8 MiB at 0, O_DIRECT + fsync (before the kill)" dd if=/tmp/a of=$d bs=1M oflag=direct conv=fsync

# Writer: 1 MiB chunks at 16 MiB + i, each O_DIRECT + fsync; a chunk is logged once dd returned.
dd if=/dev/urandom of=/tmp/b bs=1M count=1 2>/dev/null
start_chunk_writer writer "$d" 16 24 /tmp/done
wait_for 30 '[ "$(wc -l < /tmp/done)" -ge 3 ]'
step "kill tgtd with SIGKILL during the writes" kill -9 "$PID_tgtd"
sleep 3
step_sh "the kernel session left LOGGED_IN (connection failed)" "! grep -qx LOGGED_IN /sys/class/iscsi_session/$sid_before/state"
start_tgtd
step_sh "restart tgtd with the same target and LUN" "$CONFIGURE_TGT"
expect_recovered_writes "$sid_before" "$d" ""
# Phase 2: the target hangs (SIGSTOP) instead of dying: the kernel's NOP-Out times out, iscsid
# reconnects; when the target runs again it reinstates the session (same ISID, TSIH 0) with
# the old one still open on its side.
start_chunk_writer writer2 "$d" 48 12 /tmp/done2
wait_for 30 '[ "$(wc -l < /tmp/done2)" -ge 2 ]'
step "freeze tgtd (SIGSTOP) during the writes" kill -STOP "$PID_tgtd"
if wait_for 40 "[ \$(grep -c 'Kernel reported iSCSI connection' /tmp/iscsid.log) -ge 2 ]"; then
  ok "the kernel reports the hung connection (NOP-Out timeout)"
else
  not_ok "the kernel reports the hung connection (NOP-Out timeout)"
fi
step "thaw tgtd (SIGCONT)" kill -CONT "$PID_tgtd"
if wait_for 90 "grep -qx LOGGED_IN /sys/class/iscsi_session/$sid_before/state && [ \$(grep -c 'operational after recovery' /tmp/iscsid.log) -ge 2 ]"; then
  ok "session $sid_before recovered again (reinstated on the running target)"
else
  not_ok "session $sid_before recovered again"
fi
if wait_for 120 'grep -q finished /tmp/done2' && [ "$(grep -vc finished /tmp/done2)" = 12 ]; then
  ok "second writer finished, all 12 chunks written"
else
  not_ok "second writer finished, all 12 chunks written ($(grep -vc finished /tmp/done2) done)"
fi
step_sh "second writer's chunks read back intact" '
  want=$(sha256sum < /tmp/b); bad=0
  for i in $(grep -v finished /tmp/done2); do
    got=$(dd if='"$d"' bs=1M skip=$((48 + i)) count=1 iflag=direct 2>/dev/null | sha256sum)
    [ "$got" = "$want" ] || { echo "chunk $i differs"; bad=1; }
  done; [ $bad = 0 ]'
step_sh "first phase data still intact" \
  "dd if=$d of=/tmp/a3 bs=1M count=8 iflag=direct 2>/dev/null && [ \"\$(sha256sum < /tmp/a)\" = \"\$(sha256sum < /tmp/a3)\" ]"
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
