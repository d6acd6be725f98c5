#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# iscsistart as initramfs-tools and dracut call it: every usage error and firmware-less case
# ends with open-iscsi 2.1.8's exit code and message (Debian's iscsistart side by side, no
# iBFT in this guest); a command-line login (-i -t -g -a -p -u -w, -P for a record key) to tgtd
# with CHAP leaves the session in the kernel with those values, no process behind, and a second
# one is refused instead of opening a duplicate session to the boot disk; a wrong
# password fails as Debian's does; our iscsid adopts the session and logs it out.
# vm-timeout: 150
. /lib/vm/lib.sh

TGT=iqn.2026-12.org.example.vm:boot-cmdline
INI=iqn.2026-12.org.example.vm:cmdline-initiator

# same_as_debian DESC ARGS...: our exit code and stdout+stderr equal Debian's iscsistart's.
same_as_debian() {
  desc=$1; shift
  step_sh "$desc: $*" "
    $DEBIAN/iscsistart $* > /tmp/s.debian 2>&1; echo rc=\$? >> /tmp/s.debian
    $OURS/iscsistart $* > /tmp/s.ours 2>&1; echo rc=\$? >> /tmp/s.ours
    sed -i 's|^/opt/[a-z-]*/sbin/||' /tmp/s.debian /tmp/s.ours
    cat /tmp/s.ours; diff /tmp/s.debian /tmp/s.ours"
}
same_as_debian "help" -h
same_as_debian "version" -v
same_as_debian "no arguments" ""
same_as_debian "no portal group" -i $INI -t $TGT -a 127.0.0.1
same_as_debian "no target name" -i $INI -g 1 -a 127.0.0.1
same_as_debian "no address" -i $INI -t $TGT -g 1
same_as_debian "unknown option" -x
same_as_debian "-P without a value" -P node.session.timeo.replacement_timeout
same_as_debian "target name too long" -t "$(printf 'iqn.%0300d' 0)"
same_as_debian "print firmware without an iBFT" -f
same_as_debian "firmware network without an iBFT" -N
same_as_debian "firmware login without an iBFT" -b

mkdir -p /var/lib/iscsi_disks
truncate -s 64M /var/lib/iscsi_disks/boot.img
start_tgtd
step "tgtd: target with CHAP user bootuser, LUN 1" sh -c "
  tgtadm --lld iscsi --mode target --op new --tid 1 --targetname $TGT &&
  tgtadm --lld iscsi --mode logicalunit --op new --tid 1 --lun 1 --backing-store /var/lib/iscsi_disks/boot.img &&
  tgtadm --lld iscsi --mode account --op new --user bootuser --password bootsecret123 &&
  tgtadm --lld iscsi --mode account --op bind --tid 1 --user bootuser &&
  tgtadm --lld iscsi --mode target --op bind --tid 1 --initiator-address ALL"

step_sh "wrong CHAP password: no session, same exit code as Debian's iscsistart" "
  $DEBIAN/iscsistart -i $INI -t $TGT -g 1 -a 127.0.0.1 -u bootuser -w wrongsecret12 >/dev/null 2>&1; d=\$?
  $OURS/iscsistart -i $INI -t $TGT -g 1 -a 127.0.0.1 -u bootuser -w wrongsecret12; o=\$?
  echo debian=\$d ours=\$o; [ \$d = \$o ] && [ \$o != 0 ] && ! ls -d /sys/class/iscsi_session/session* 2>/dev/null"

before=$(disks)
step "login from the command line, replacement_timeout through -P" $OURS/iscsistart -i "$INI" -t "$TGT" -g 1 \
  -a 127.0.0.1 -p 3260 -u bootuser -w bootsecret123 -P node.session.timeo.replacement_timeout=47
expect_new_disk "$before"
step_sh "session kept in the kernel, no iscsistart process left" \
  "grep -qx $TGT /sys/class/iscsi_session/session*/targetname && ! pidof iscsistart"
step_sh "the session uses -i's name and -P's replacement_timeout" "
  grep -qx $INI /sys/class/iscsi_session/session*/initiatorname &&
  cat /sys/class/iscsi_session/session*/recovery_tmo | grep -qx 47"
dev=${dev:-sdX}
step_sh "I/O on the boot disk" "dd if=/dev/urandom of=/dev/$dev bs=1M count=4 oflag=direct && sync && dd if=/dev/$dev of=/dev/null bs=1M count=4 iflag=direct"
step_sh "a second login to the same target: refused (session exists)" \
  "! $OURS/iscsistart -i $INI -t $TGT -g 1 -a 127.0.0.1 -u bootuser -w bootsecret123 && [ \$(ls -d /sys/class/iscsi_session/session* | wc -l) = 1 ]"

our_iscsi_config "$INI"
if start_our_iscsid; then ok "our iscsid starts and adopts the session"; else not_ok "our iscsid starts and adopts the session"; fi
step_sh "iscsiadm -m session lists it" "iscsiadm -m session | grep -F '127.0.0.1:3260,1 $TGT'"
sid=$(ls /sys/class/iscsi_session | sed -n 's/^session//p' | head -1)
step "logout through iscsid" iscsiadm -m session -r "${sid:-0}" -u
step_sh "no session left" "! ls -d /sys/class/iscsi_session/session* 2>/dev/null"
step_stop iscsid
