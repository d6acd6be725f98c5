# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The target guest of the two-guest layout (run-pair.sh FIRST), and the "target unit" checks:
# boot 1: the admin enables iscsi-targetd.service and configures three targets with
#   iscsi-target (each change saved to /etc/target/saveconfig.json, the daemon reloads);
# boot 2: iscsi-targetd.service restored saveconfig.json at boot (discovery lists the targets
#   with no command run), `iscsi-target saveconfig` after a change reloads the daemon; then
#   sd_ready and stay up serving the initiator guest (10.0.3.2).
# Targets: ...:disk (1 GiB, the initiator's automatic node with XFS), ...:manual, ...:onboot.
# sd-boots: 2
# sd-timeout: 240
. /usr/local/lib/vmtest/sd-lib.sh
BASE=iqn.2026-12.org.example.sd
INI=iqn.2026-12.org.example.sd:initiator

# discovery over the guest's own loopback shows what the running daemon serves
served() { iscsiadm -m discovery -t sendtargets -p 127.0.0.1 2>&1; }

case $VM_BOOT in
1)
  step "target unit: systemctl enable --now iscsi-targetd.service" systemctl enable --now iscsi-targetd.service
  step_sh "target unit: iscsi-targetd.service active" '[ "$(systemctl is-active iscsi-targetd.service)" = active ]'
  run mkdir -p /var/lib/iscsi_disks
  for t in disk:1G manual:64M onboot:64M; do
    n=${t%%:*} size=${t#*:}
    step "target unit: configure $BASE:$n ($size)" sh -c "
      iscsi-target /backstores/fileio create $n /var/lib/iscsi_disks/$n.img $size &&
      iscsi-target /iscsi create $BASE:$n &&
      iscsi-target /iscsi/$BASE:$n/tpg1/luns create /backstores/fileio/$n &&
      iscsi-target /iscsi/$BASE:$n/tpg1/acls create $INI"
  done
  step "target unit: iscsi-target saveconfig" iscsi-target saveconfig
  run served
  step_sh "target unit: the running daemon reloaded (serves the 3 targets)" \
    "[ \$(iscsiadm -m discovery -t sendtargets -p 127.0.0.1 | grep -c '$BASE:') -ge 3 ]"
  sd_next reboot
  ;;
2)
  step_sh "target unit: iscsi-targetd.service active after boot" '[ "$(systemctl is-active iscsi-targetd.service)" = active ]'
  run served
  step_sh "target unit: saveconfig.json restored at boot (all 3 targets served)" \
    "for n in disk manual onboot; do iscsiadm -m discovery -t sendtargets -p 127.0.0.1 | grep -q '$BASE:'\$n\$ || exit 1; done"
  step "target unit: add a 4th target with --no-reload" sh -c "
      iscsi-target -n /backstores/fileio create spare /var/lib/iscsi_disks/spare.img 16M &&
      iscsi-target -n /iscsi create $BASE:spare"
  step_sh "target unit: not served before saveconfig" "! iscsiadm -m discovery -t sendtargets -p 127.0.0.1 | grep -q '$BASE:spare'"
  step "target unit: iscsi-target saveconfig" iscsi-target saveconfig
  step_sh "target unit: served after saveconfig (daemon reloaded)" \
    "iscsiadm -m discovery -t sendtargets -p 127.0.0.1 | grep -q '$BASE:spare'"
  step "target unit: delete the 4th target (saved, daemon signalled)" sh -c "
      iscsi-target /iscsi delete $BASE:spare && iscsi-target /backstores/fileio delete spare"
  step_sh "target unit: no longer served (daemon reloaded)" \
    "! iscsiadm -m discovery -t sendtargets -p 127.0.0.1 | grep -q '$BASE:spare'"
  run systemctl status --no-pager iscsi-targetd.service
  run rm -rf /etc/iscsi/nodes /etc/iscsi/send_targets
  sd_ready
  sd_next stay
  ;;
esac
