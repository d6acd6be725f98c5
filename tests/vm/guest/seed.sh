# SPDX-License-Identifier: GPL-2.0-or-later
# The user's walk-through (/work/shared/seed-walkthrough.txt), in two halves so that it runs
# with target and initiator in one guest (scenarios/walkthrough.sh, portal 127.0.0.1) or in two
# guests on their own network (scenarios/seed-target.sh + seed-initiator.sh, the seed's
# 192.168.219.101). Sourced after lib.sh. Debian's open-iscsi is never in PATH here: every
# iscsiadm/iscsid is the project's.
TGT=iqn.2022-08.com.test:dlp.target01
INI=iqn.2022-08.com.test:node01.initiator01
ACL=/iscsi/$TGT/tpg1/acls/$INI
export PATH=$OURS:$PATH

# Target: iscsi-target replays the targetcli session command for command (a 512M disk instead
# of 10G; mkfs.xfs wants more than 300 MB); iscsi-targetd serves it on the default portal
# 0.0.0.0:3260.
seed_target() {
  note "=== target: iscsi-target replays the walk-through's targetcli commands"
  run mkdir -p /var/lib/iscsi_disks
  step "target: /backstores/fileio create disk01 ... 512M" \
    iscsi-target /backstores/fileio create disk01 /var/lib/iscsi_disks/disk01.img 512M
  step "target: /iscsi create $TGT" iscsi-target /iscsi create $TGT
  step "target: tpg1/luns create /backstores/fileio/disk01" iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/fileio/disk01
  step "target: tpg1/acls create $INI" iscsi-target /iscsi/$TGT/tpg1/acls create $INI
  step "target: set auth userid=username" iscsi-target $ACL set auth userid=username
  step "target: set auth password=password" iscsi-target $ACL set auth password=password
  step "target: saveconfig" iscsi-target saveconfig
  step_sh "target: /etc/target/saveconfig.json written" "test -s /etc/target/saveconfig.json && ls -l /etc/target/saveconfig.json"
  run iscsi-target ls
  note "(systemctl enable --now target)"
  bg iscsi-targetd iscsi-targetd -f
  wait_for 20 'listening 3260'
  step "target: iscsi-targetd listens on port 3260" sh -c 'netstat -ltn | grep ":3260 "'
}

# Initiator: initiatorname.iscsi and CHAP in iscsid.conf, our iscsid and iscsiadm: discovery,
# node show, login, session show, the new disk, parted, mkfs.xfs, mount, data, logout, login
# again, data intact.
seed_initiator() {
  portal=$1
  note "=== initiator: /etc/iscsi from the project's etc/, edited as in the walk-through"
  our_iscsi_config "$INI"
  step "initiator: iscsid.conf installed from the project's etc/" test -s /etc/iscsi/iscsid.conf
  set_conf /etc/iscsi/iscsid.conf node.session.auth.authmethod CHAP
  set_conf /etc/iscsi/iscsid.conf node.session.auth.username username
  set_conf /etc/iscsi/iscsid.conf node.session.auth.password password
  run cat /etc/iscsi/initiatorname.iscsi
  run grep -E "^node.session.auth.(authmethod|username|password) *=" /etc/iscsi/iscsid.conf
  start_our_iscsid
  step "initiator: iscsid running (socket /run/iscsid/iscsid.sock)" test -S /run/iscsid/iscsid.sock

  before=$(disks)
  step "iscsiadm -m discovery -t sendtargets -p $portal" iscsiadm -m discovery -t sendtargets -p $portal
  expect_out "discovery lists $portal:3260,1 $TGT" "$portal:3260,1 $TGT"
  step "iscsiadm -m node -o show" iscsiadm -m node -o show
  expect_out "node record: node.name" "node.name = $TGT"
  expect_out "node record: CHAP from iscsid.conf" "node.session.auth.authmethod = CHAP"
  expect_out "node record: ends with # END RECORD" "# END RECORD"
  logged_in=0
  step "iscsiadm -m node --login" iscsiadm -m node --login && logged_in=1
  expect_out "login message" "Login to [iface: default, target: $TGT, portal: $portal,3260] successful."
  at_exit 'umount /mnt 2>/dev/null; iscsiadm -m node --logout >/dev/null 2>&1'
  step "iscsiadm -m session -o show" iscsiadm -m session -o show
  expect_out "session listed" "$portal:3260,1 $TGT (non-flash)"

  [ $logged_in = 1 ] && wait_for 30 '[ -n "$(new_disks "$before")" ]'
  dev=$(new_disks "$before" | head -1)
  run cat /proc/partitions
  if [ -n "$dev" ] && [ "$(awk -v d="$dev" '$4==d {print $3}' /proc/partitions)" = 524288 ]; then
    ok "new disk /dev/$dev in /proc/partitions (524288 KiB)"
  else
    not_ok "new 512 MiB disk in /proc/partitions (found: ${dev:-none})"
  fi
  d=/dev/${dev:-sdX}

  step "parted --script $d \"mklabel gpt\"" parted --script "$d" "mklabel gpt"
  step "parted --script $d \"mkpart primary 0% 100%\"" parted --script "$d" "mkpart primary 0% 100%"
  [ -n "$dev" ] && wait_for 10 "[ -b ${d}1 ]"
  run parted --script "$d" unit s print
  step "mkfs.xfs -i size=1024 -s size=4096 ${d}1" mkfs.xfs -i size=1024 -s size=4096 "${d}1"
  step "mount ${d}1 /mnt" mount "${d}1" /mnt
  # Only ever touch /mnt while the iSCSI partition is mounted there (not the guest's rootfs).
  onmnt="grep -q '^${d}1 /mnt xfs ' /proc/mounts"
  step_sh "df -hT: xfs on /mnt" "$onmnt && df -hT /mnt"
  step_sh "write 16 MiB to /mnt and checksum" \
    "$onmnt && dd if=/dev/urandom of=/mnt/data.bin bs=1M count=16 2>/dev/null && sha256sum /mnt/data.bin | tee /tmp/data.sha256 && sync"
  step "umount /mnt" umount /mnt
  step "iscsiadm -m node --logout" iscsiadm -m node --logout
  expect_out "logout message" "Logout of [sid:"
  expect_disk_gone
  if [ $logged_in = 1 ]; then
    step_rc 21 "iscsiadm -m session: no active sessions (exit 21)" iscsiadm -m session
  else
    not_ok "no session after logout (there was no login)"
  fi

  before=$(disks)
  logged_in=0
  step "log in again (iscsiadm -m node --login)" iscsiadm -m node --login && logged_in=1
  [ $logged_in = 1 ] && wait_for 30 '[ -n "$(new_disks "$before")" ]'
  dev=$(new_disks "$before" | head -1)
  d=/dev/${dev:-sdX}
  if [ -n "$dev" ]; then ok "disk back as /dev/$dev"; else not_ok "disk back after second login"; fi
  [ -n "$dev" ] && wait_for 10 "[ -b ${d}1 ]"
  step "mount ${d}1 /mnt" mount "${d}1" /mnt
  onmnt="grep -q '^${d}1 /mnt xfs ' /proc/mounts"
  step_sh "data intact (sha256sum -c)" "$onmnt && sha256sum -c /tmp/data.sha256"
  step "umount /mnt" umount /mnt
  step "final logout" iscsiadm -m node --logout
  step_stop iscsid
}

seed_stop_target() {
  step_stop iscsi-targetd
}
