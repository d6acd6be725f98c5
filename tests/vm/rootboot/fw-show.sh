#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Firmware boot data for real: qemu publishes an iBFT (tests/vm/mk-ibft.py) as an ACPI table,
# the kernel's iscsi_ibft shows it in /sys/firmware/ibft, and our iscsiadm -m fw / iscsistart -f
# print it byte for byte as Debian's open-iscsi 2.1.8 does; -m discovery -t fw lists the same;
# iscsistart -N configures eth0 from it and iscsistart -b logs in to the target it names (tgtd
# in this guest, on the iBFT's own address, with the iBFT's CHAP), leaving the session for our
# iscsid to adopt and log out.
# vm-timeout: 150
# vm-ibft: --initiator iqn.2026-12.org.example.vm:fw-initiator --mac 52:54:00:12:34:56 --ip 192.168.219.102/24 --gateway 192.168.219.1 --dns 192.168.219.53 --target-ip 192.168.219.102 --target-name iqn.2026-12.org.example.vm:fw-boot --lun 1 --chap-name fwuser --chap-secret fwsecret12345
. /lib/vm/lib.sh

TGT=iqn.2026-12.org.example.vm:fw-boot
INI=iqn.2026-12.org.example.vm:fw-initiator

step "modprobe iscsi_ibft (iBFT from qemu's ACPI table)" modprobe iscsi_ibft
step_sh "sysfs shows the initiator, NIC and target" \
  "cat /sys/firmware/ibft/initiator/initiator-name /sys/firmware/ibft/target0/target-name /sys/firmware/ibft/ethernet0/mac"
# The whole tree, for the unit tests' recorded copy (tests/unit-node/ibft/).
run sh -c 'cd /sys/firmware/ibft && for f in $(find . -type f | sort); do printf "%s=%s\n" "$f" "$(cat "$f" 2>/dev/null | tr "\n" "|")"; done; ls -l ethernet0/device'

step_sh "iscsiadm -m fw: same output and exit code as open-iscsi's" "
  $DEBIAN/iscsiadm -m fw > /tmp/fw.debian 2>&1; echo rc=\$? >> /tmp/fw.debian
  $OURS/iscsiadm -m fw > /tmp/fw.ours 2>&1; echo rc=\$? >> /tmp/fw.ours
  cat /tmp/fw.ours; diff /tmp/fw.debian /tmp/fw.ours"
step_sh "iscsistart -f: same output and exit code as open-iscsi's" "
  $DEBIAN/iscsistart -f > /tmp/f.debian 2>&1; echo rc=\$? >> /tmp/f.debian
  $OURS/iscsistart -f > /tmp/f.ours 2>&1; echo rc=\$? >> /tmp/f.ours
  diff /tmp/f.debian /tmp/f.ours && grep -qx 'iface.net_ifacename = eth0' /tmp/f.ours"
# (stdout only: Debian's iscsiadm also complains on stderr that its iscsid is not running)
step_sh "iscsiadm -m discovery -t fw: same portal list as open-iscsi's" "
  mkdir -p /etc/iscsi && echo InitiatorName=$INI > /etc/iscsi/initiatorname.iscsi
  $DEBIAN/iscsiadm -m discovery -t fw > /tmp/d.debian 2>/dev/null; echo rc=\$? >> /tmp/d.debian
  rm -rf /etc/iscsi/nodes /etc/iscsi/send_targets
  $OURS/iscsiadm -m discovery -t fw > /tmp/d.ours; echo rc=\$? >> /tmp/d.ours
  cat /tmp/d.ours; diff /tmp/d.debian /tmp/d.ours"
step_sh "the discovered record is an onboot node with the firmware's CHAP" "
  $OURS/iscsiadm -m node -T $TGT -p 192.168.219.102 -S | grep -E 'node.startup|authmethod|auth.username|discovery_type' | tee /tmp/rec
  grep -qx 'node.startup = onboot' /tmp/rec && grep -qx 'node.session.auth.username = fwuser' /tmp/rec"
rm -rf /etc/iscsi

step "iscsistart -N: eth0 configured from the iBFT" $OURS/iscsistart -N
step_sh "eth0 has 192.168.219.102/24 and is up" "ip addr show eth0; ip addr show eth0 | grep -q 'inet 192.168.219.102/24' && ip link show eth0 | grep -q '[<,]UP[,>]'"

mkdir -p /var/lib/iscsi_disks
truncate -s 64M /var/lib/iscsi_disks/fw.img
start_tgtd
step "tgtd: the iBFT's target with CHAP user fwuser, LUN 1" sh -c "
  tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store /var/lib/iscsi_disks/fw.img &&
  tgtadm --lld iscsi --mode account --op new --user fwuser --password fwsecret12345 &&
  tgtadm --lld iscsi --mode account --op bind --tid 1 --user fwuser &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL"
before=$(disks)
step "iscsistart -b: logs in to the firmware's target" $OURS/iscsistart -b
step_sh "the session stays in the kernel after iscsistart exits" \
  "cat /sys/class/iscsi_session/session*/targetname | grep -qx $TGT && ! pidof iscsistart"
expect_new_disk "$before"
step_sh "the session's initiator name is the firmware's" "grep -qx $INI /sys/class/iscsi_session/session*/initiatorname"
our_iscsi_config "$INI"
if start_our_iscsid; then ok "our iscsid starts and adopts the boot session"; else not_ok "our iscsid starts and adopts the boot session"; fi
step_sh "iscsiadm -m session lists it" "iscsiadm -m session | grep -F '192.168.219.102:3260,1 $TGT'"
sid=$(ls /sys/class/iscsi_session | sed -n 's/^session//p' | head -1)
step "logout through iscsid" iscsiadm -m session -r "${sid:-0}" -u
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
step_stop iscsid
