#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The target guest of the boot scenarios (busybox harness, tests/vm/run.sh): our iscsi-target
# exports its virtio disk /dev/vda (the initiator's root filesystem image) as LUN 0 of
# iqn.2026-12.org.example.vm:root to the rootboot initiator with CHAP, and iscsi-targetd serves
# it on 10.0.3.1:3260. Then it takes orders from the initiator guest on port 9999: "restart"
# (stop the daemon, 10 s without a target, start it again). It serves until the host ends the
# guest after the initiator's last power-off (the initiator's root disk must outlive it).
# vm-timeout: 1500
. /lib/vm/lib.sh
export PATH=$OURS:$PATH
TGT=iqn.2026-12.org.example.vm:root
INI=iqn.2026-12.org.example.vm:rootboot
ACL=/iscsi/$TGT/tpg1/acls/$INI

step "virtio disk /dev/vda (the initiator's root image)" sh -c "modprobe virtio_blk && n=0; while [ ! -b /dev/vda ] && [ \$n -lt 50 ]; do sleep 0.1; n=\$((n + 1)); done; test -b /dev/vda"
step "block backstore on /dev/vda (the initiator's root image)" iscsi-target /backstores/block create root /dev/vda
step "target $TGT" iscsi-target /iscsi create $TGT
step "LUN 0" iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/block/root
step "ACL for $INI with CHAP" sh -c "iscsi-target /iscsi/$TGT/tpg1/acls create $INI &&
  iscsi-target $ACL set auth userid=rbuser && iscsi-target $ACL set auth password=rbsecret12345"
step "saveconfig" iscsi-target saveconfig
bg iscsi-targetd iscsi-targetd -f
if wait_for 20 'listening 3260'; then ok "target ready"; else not_ok "target ready"; fi

while :; do
  cmd=$(nc -l -p 9999 2>/dev/null)
  case $cmd in
    restart)
      step_stop iscsi-targetd
      sleep 10
      bg iscsi-targetd iscsi-targetd -f
      if wait_for 20 'listening 3260'; then ok "target restarted after 10 s away"; else not_ok "target restarted after 10 s away"; fi
      ;;
  esac
done
