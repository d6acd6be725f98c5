#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 5 scenario 2: a wrong CHAP secret ends the login with exit code 24 and a clear message,
# and leaves nothing behind (no kernel session, no SCSI host, no node of ours in -m session);
# the right secret then logs in.
# vm-timeout: 180
. /lib/vm/lib.sh
TGT=iqn.2026-11.org.example.vm:chap
INI=iqn.2026-11.org.example.vm:ours
IMG=/var/lib/iscsi_disks/chap.img

mkdir -p /var/lib/iscsi_disks
truncate -s 32M $IMG
start_tgtd
step "tgtd: target with CHAP account chapuser" sh -c "
  tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store $IMG &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL &&
  tgtadm --lld iscsi --mode account --op new --user chapuser --password right-secret-1 &&
  tgtadm --lld iscsi --mode account --op bind --tid 1 --user chapuser"

use_our_initiator "$INI"
set_conf /etc/iscsi/iscsid.conf node.session.auth.authmethod CHAP
set_conf /etc/iscsi/iscsid.conf node.session.auth.username chapuser
set_conf /etc/iscsi/iscsid.conf node.session.auth.password wrong-secret-1
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step_sh "login with the wrong CHAP secret exits 24" \
  "iscsiadm -m node -T $TGT -p 127.0.0.1 --login > /tmp/login.out 2>&1; rc=\$?; cat /tmp/login.out; echo \"(exit code \$rc)\"; [ \$rc = 24 ]"
step_sh "the error message names the authorization failure" "grep -i 'authoriz' /tmp/login.out"
step_sh "iscsid logged the target's refusal (status 0x0201)" "grep 'status 0x0201' /tmp/iscsid.log"
step_sh "no kernel session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
step_sh "no SCSI host left" "! ls -d /sys/class/iscsi_host/host* 2>/dev/null"
step_rc 21 "iscsiadm -m session: no active sessions (21)" iscsiadm -m session
step_sh "no new disk" "[ -z \"\$(echo \$(awk '\$4 ~ /^sd[a-z]+\$/ {print \$4}' /proc/partitions))\" ]"

step "fix the secret in the node record" iscsiadm -m node -T "$TGT" -p 127.0.0.1 -o update -n node.session.auth.password -v right-secret-1
step "login with the right secret" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --login
if wait_for 30 '[ -n "$(new_disks "$before")" ]'; then ok "disk appears"; else not_ok "disk appears"; fi
step "logout" iscsiadm -m node -T "$TGT" -p 127.0.0.1 --logout
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
