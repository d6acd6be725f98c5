# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The initiator guest of the two-guest layout (run-pair.sh sd-target sd-initiator): the project
# as installed by meson install, driven the way an admin does. Steps are named after the issue's
# scenarios ("boot with no nodes: ...", ...); tests/suites/65-systemd.sh folds them into one
# TAP line per scenario.
# boot 1  boot with no nodes, socket activation; setup: names, discovery, startup modes of the
#         three nodes, XFS + fstab _netdev line, data d1; reboot
# boot 2  boot auto-login, startup modes, iscsid restart; data d2, writer running, the
#         manual and onboot nodes logged in too; poweroff
# boot 3  shutdown order (journal of boot 2, clean XFS mount), reboot loop: check, d3, reboot
# boot 4  reboot loop: all data intact after the third reboot (d1, d2, d3 were each written
#         before one of the three: reboot, poweroff, reboot)
# sd-boots: 4
# sd-timeout: 420
. /usr/local/lib/vmtest/sd-lib.sh
BASE=iqn.2026-12.org.example.sd
INI=iqn.2026-12.org.example.sd:initiator
P=10.0.3.1
MNT=/mnt/iscsi
onmnt="grep -q ' $MNT xfs ' /proc/mounts"
# sessions NAME: how many sessions to $BASE:NAME ("tcp: [1] 10.0.3.1:3260,1 IQN (non-flash)")
sessions() { iscsiadm -m session 2>/dev/null | grep -c " $BASE:$1 "; }

# write_data N: 8 MiB random file dN on the iSCSI XFS, its checksum kept on the root disk
write_data() {
  step_sh "reboot loop: write d$1 (8 MiB) before the reboot" \
    "$onmnt && dd if=/dev/urandom of=$MNT/d$1 bs=1M count=8 2>/dev/null && sync $MNT/d$1 &&
     sha256sum $MNT/d$1 >> /var/lib/vmtest-sums && sync /var/lib/vmtest-sums"
}
check_data() {
  step_sh "$1: every file written before a reboot is intact ($(wc -l < /var/lib/vmtest-sums) files)" \
    "$onmnt && sha256sum -c /var/lib/vmtest-sums"
}

case $VM_BOOT in
1)
  # ---- boot with no nodes ---------------------------------------------------------------
  step_sh "boot with no nodes: no node records" '[ -z "$(ls -A /etc/iscsi/nodes 2>/dev/null)" ]'
  run systemctl list-jobs --no-pager
  step_sh "boot with no nodes: system running, no failed unit" \
    '[ "$(systemctl is-system-running)" = running ] && [ -z "$(systemctl list-units --failed --plain --no-legend)" ]'
  step_sh "boot with no nodes: network-online.target not pulled in" \
    '[ "$(systemctl show -P ActiveState network-online.target)" = inactive ] &&
     [ "$(systemctl show -P ActiveState systemd-networkd-wait-online.service)" = inactive ]'
  step_sh "boot with no nodes: iscsi.service not pulled in (generator)" \
    '[ "$(systemctl show -P ActiveState iscsi.service)" = inactive ] && ! ls /run/systemd/generator/*/iscsi.service 2>/dev/null'
  step_sh "boot with no nodes: iscsid not started, iscsid.socket listening" \
    '[ "$(systemctl show -P ActiveState iscsid.service)" = inactive ] &&
     [ "$(systemctl show -P ActiveState iscsid.socket)" = active ] && test -S /run/iscsid/iscsid.sock'
  run systemd-analyze critical-chain --no-pager
  step_sh "boot with no nodes: no unit of ours on the critical chain" \
    '! systemd-analyze critical-chain --no-pager | grep -i iscsi'
  step_sh "boot with no nodes: initiatorname.iscsi created on first boot (iscsi-init.service)" \
    'cat /etc/iscsi/initiatorname.iscsi && grep -Eq "^InitiatorName=iqn\.[0-9]{4}-[0-9]{2}\.[^:]+:[0-9a-f]{12}$" /etc/iscsi/initiatorname.iscsi &&
     [ "$(systemctl show -P Result iscsi-init.service)" = success ]'
  sd_mark userspace_with_package "$(boot_userspace_seconds)"
  run systemd-analyze time

  # ---- socket activation --------------------------------------------------------------
  note "the admin sets the name the target's ACLs expect"
  run sh -c "echo InitiatorName=$INI > /etc/iscsi/initiatorname.iscsi"
  step "socket activation: discovery -t sendtargets -p $P" iscsiadm -m discovery -t sendtargets -p $P
  expect_out "socket activation: discovery lists $BASE:disk" "$P:3260,1 $BASE:disk"
  step_sh "socket activation: iscsid still not running before a login" '[ "$(systemctl show -P ActiveState iscsid.service)" = inactive ]'
  step "socket activation: login to $BASE:disk" iscsiadm -m node -T $BASE:disk -p $P --login
  step_sh "socket activation: iscsid.service started through iscsid.socket" \
    '[ "$(systemctl show -P ActiveState iscsid.service)" = active ] &&
     journalctl -b -u iscsid.service -o cat | grep -q "Started"'

  # ---- setup for the next boots ----------------------------------------------------------
  step "startup modes: node $BASE:disk startup automatic" iscsiadm -m node -T $BASE:disk -p $P -o update -n node.startup -v automatic
  step "startup modes: node $BASE:onboot startup onboot" iscsiadm -m node -T $BASE:onboot -p $P -o update -n node.startup -v onboot
  run iscsiadm -m node
  wait_for 30 'ls /dev/disk/by-path/*$BASE:disk-lun-0' 
  dev=$(readlink -f /dev/disk/by-path/*"$BASE:disk-lun-0" | head -1)
  step "mkfs.xfs on the automatic node's disk ($dev)" mkfs.xfs -q -f "$dev"
  uuid=$(blkid -s UUID -o value "$dev")
  run sh -c "mkdir -p $MNT && echo 'UUID=$uuid $MNT xfs _netdev 0 0' >> /etc/fstab && cat /etc/fstab"
  run systemctl daemon-reload
  step "mount $MNT (fstab line with _netdev)" systemctl start mnt-iscsi.mount
  : > /var/lib/vmtest-sums
  write_data 1
  sd_next reboot
  ;;
2)
  # ---- boot auto-login ------------------------------------------------------------------
  run iscsiadm -m session
  step_sh "boot auto-login: the automatic node is logged in" "[ $(sessions disk) = 1 ]"
  step_sh "boot auto-login: $MNT mounted (XFS, _netdev)" "$onmnt && findmnt $MNT"
  check_data "boot auto-login"
  run systemctl list-units --failed --no-pager
  step_sh "boot auto-login: systemctl is-system-running says running, no failed unit" \
    '[ "$(systemctl is-system-running)" = running ] && [ -z "$(systemctl list-units --failed --plain --no-legend)" ]'
  step_sh "boot auto-login: iscsi.service pulled in by iscsi-generator, logged in" \
    'ls -l /run/systemd/generator/remote-fs.target.wants/iscsi.service && [ "$(systemctl show -P ActiveState iscsi.service)" = active ]'
  run systemd-analyze critical-chain --no-pager remote-fs.target
  run journalctl -b -u iscsid.service -u iscsi.service --no-pager -o short-monotonic
  step_sh "boot auto-login: iscsid logs to the journal" "journalctl -b _COMM=iscsid -o cat | grep -q ."
  # ---- startup modes --------------------------------------------------------------------
  step_sh "startup modes: manual and onboot nodes not logged in at boot" \
    "[ $(sessions manual) = 0 ] && [ $(sessions onboot) = 0 ]"
  step "startup modes: --loginall=manual" iscsiadm -m node --loginall=manual
  step_sh "startup modes: only the manual node joined" \
    "[ $(sessions manual) = 1 ] && [ $(sessions onboot) = 0 ]"
  step "startup modes: --loginall=onboot (what an initramfs does)" iscsiadm -m node --loginall=onboot
  step_sh "startup modes: onboot node logged in" "[ $(sessions onboot) = 1 ]"
  # ---- iscsid restart -------------------------------------------------------------------
  sid=$(iscsiadm -m session | sed -n "s/^tcp: \[\([0-9]*\)\] .* $BASE:disk .*/\1/p")
  note "session of the mounted disk: sid $sid"
  cat > /tmp/writer.sh <<W
i=0
while :; do echo "line \$i" >> $MNT/writer.log; sync $MNT/writer.log; i=\$((i + 1)); sleep 0.2; done
W
  bg writer sh /tmp/writer.sh
  lines() { wc -l < $MNT/writer.log; }
  step "iscsid restart: systemctl restart iscsid" systemctl restart iscsid.service
  n0=$(lines)
  step_sh "iscsid restart: same session $sid still LOGGED_IN, adopted by the new iscsid" \
    "grep -qx LOGGED_IN /sys/class/iscsi_session/session$sid/state &&
     journalctl -b -u iscsid.service -o cat | grep -q 'adopted session $sid '"
  sleep 2
  step_sh "iscsid restart: I/O continues ($n0 lines, then more)" "[ \$(wc -l < $MNT/writer.log) -gt $n0 ]"
  pid=$(systemctl show -P MainPID iscsid.service)
  step "iscsid restart: kill -9 iscsid (pid $pid)" kill -9 "$pid"
  wait_for 30 "p=\$(systemctl show -P MainPID iscsid.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] && [ \"\$(systemctl is-active iscsid.service)\" = active ]"
  step_sh "iscsid restart: Restart=on-failure brought iscsid back" \
    "p=\$(systemctl show -P MainPID iscsid.service); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] && [ \"\$(systemctl is-active iscsid.service)\" = active ]"
  n1=$(lines)
  sleep 2
  step_sh "iscsid restart: session $sid kept, I/O continues after kill -9" \
    "grep -qx LOGGED_IN /sys/class/iscsi_session/session$sid/state && [ \$(wc -l < $MNT/writer.log) -gt $n1 ]"
  step_sh "iscsid restart: the iscsid started by Restart= adopted session $sid too" \
    "[ \$(journalctl -b -u iscsid.service -o cat | grep -c 'adopted session $sid ') -ge 2 ]"
  # ---- shutdown order (checked on boot 3) -----------------------------------------------
  write_data 2
  note "poweroff with $MNT mounted, the writer running, the manual and the onboot sessions logged in"
  sd_shutdown_max 30 "shutdown order"
  sd_next poweroff-boot
  ;;
3)
  # ---- shutdown order -------------------------------------------------------------------
  run sh -c "journalctl -b -1 -o short-monotonic --no-pager | grep -Ei 'iscsi|mnt-iscsi|Network|Unmount|logout' | tail -40"
  expect_journal_order "shutdown order: unmount before logout before the network goes down" -1 \
    'Unmounted (/mnt/iscsi|mnt-iscsi.mount)' \
    "Logout of \\[sid: [0-9]+, target: $BASE:disk" \
    'Stopping systemd-networkd.service|Stopped target network.target'
  expect_journal_order "shutdown order: iscsid stops after the logout" -1 \
    "Logout of \\[sid: [0-9]+, target: $BASE:disk" 'Stopped iscsid.service'
  step_sh "startup modes: iscsi.service logged out the manual session at shutdown (--logoutall)" \
    "journalctl -b -1 -u iscsi.service -o cat | grep 'Logout of .*$BASE:manual, .*successful'"
  step_sh "shutdown order: the onboot session was not logged out (open-iscsi PR 186)" \
    "! journalctl -b -1 -o cat | grep -q 'Logout of .*$BASE:onboot'"
  step_sh "shutdown order: XFS mounted without log recovery" \
    "journalctl -k -b -o cat | grep -E 'XFS \\(sd' && ! journalctl -k -b -o cat | grep -q 'XFS (sd.*Starting recovery'"
  step_sh "shutdown order: the writer's synced lines are intact" \
    "$onmnt && awk '\$0 != \"line \" NR-1 { exit 1 }' $MNT/writer.log && wc -l $MNT/writer.log"
  check_data "reboot loop"
  write_data 3
  sd_next reboot
  ;;
4)
  run iscsiadm -m session
  check_data "reboot loop"
  step_sh "reboot loop: three reboots happened (4 boots in the journal)" "journalctl --list-boots --no-pager; [ \$(journalctl --list-boots --no-pager | grep -cE '[0-9a-f]{32}') -ge 4 ]"
  ;;
esac
