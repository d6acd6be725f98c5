# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the boot scenarios (boot-*.sh, bash): lib.sh's step API plus
#   next reboot|poweroff     what the runner does after this boot (default poweroff)
#   mark KEY VALUE...        a "@@MARK" line the host prints as a comment
#   expect_root_on_iscsi     the checks every root-on-iSCSI boot makes
#   data_write / data_check  a file of random data per boot on the root fs, checked later
. /usr/local/lib/rootboot/lib.sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TGT=iqn.2026-12.org.example.vm:root
INI=iqn.2026-12.org.example.vm:rootboot
DATA=/var/lib/rootboot
next() { echo "$1" > /run/rootboot-next; }
mark() { _chan "@@MARK $VM_SCENARIO $*"; }

expect_root_on_iscsi() {
  step_sh "/ is the iSCSI LUN (a disk of session 1's SCSI host)" \
    'src=$(findmnt -n -o SOURCE /); echo "/ on $src"; readlink -f /sys/class/block/${src#/dev/} | tee /dev/stderr | grep -q "/session[0-9]*/target"'
  step_sh "the session is the initramfs's, to our target, with our initiator name" \
    "cat /sys/class/iscsi_session/session*/targetname /sys/class/iscsi_session/session*/initiatorname; grep -qx $TGT /sys/class/iscsi_session/session*/targetname && grep -qx $INI /sys/class/iscsi_session/session*/initiatorname"
  step_sh "iscsid was started at boot (iscsid-sessions.path: the kernel had a session) and adopted it" \
    "systemctl is-active iscsid.service && journalctl -b -u iscsid -o cat | grep -m1 -i 'ready' && iscsiadm -m session | grep -F '$TGT' ||
     { systemctl status --no-pager iscsid-sessions.path iscsid.service; false; }"
  step_sh "the system is running, no failed unit" \
    'systemctl is-system-running; systemctl --failed --no-legend | tee /tmp/failed; [ ! -s /tmp/failed ]'
  mark boot "$(systemd-analyze time | tr "\n" " ")"
}

data_write() {
  mkdir -p $DATA
  step_sh "write 8 MiB of data for boot $VM_BOOT, fsync" \
    "dd if=/dev/urandom of=$DATA/boot$VM_BOOT bs=1M count=8 conv=fsync status=none && sha256sum $DATA/boot$VM_BOOT > $DATA/boot$VM_BOOT.sum && sync"
}
data_check() {
  step_sh "data of the earlier boots intact" "cd $DATA && ls && for s in *.sum; do sha256sum -c \$s || exit 1; done"
}
