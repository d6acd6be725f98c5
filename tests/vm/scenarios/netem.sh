#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Network faults between our initiator and our target, short versions (issue 14): the target
# runs in a network namespace of its own behind a veth pair, so `tc netem` shapes every packet.
# Under each fault a verified writer writes 1 MiB chunks of random data with O_DIRECT + fsync
# (its worst chunk time is the writer's worst pause), then everything is read back and
# compared: loss 1%, loss 5%, delay 50 ms +- 20 ms with reordering, duplication, a link that
# flaps, corruption with header and data digests (CRC32C) on; then NOP-Out: a SIGSTOPped
# target is detected within noop_out_interval + noop_out_timeout.
# vm-timeout: 600
. /lib/vm/lib.sh
TGT=iqn.2026-12.org.example.vm:netem
INI=iqn.2026-12.org.example.vm:netem-ini
IMG=/var/lib/iscsi_disks/netem.img
T_ADDR=192.168.77.2
CHUNKS=${NETEM_CHUNKS:-4}
NOP_INTERVAL=2 NOP_TIMEOUT=2
export PATH=$OURS:$PATH
# iproute2's ip and tc (busybox ip has no netns or veth)
IP=/usr/sbin/ip TC=/usr/sbin/tc

step "veth pair into a network namespace for the target (tc netem on both ends)" sh -c "
  $IP netns add tgt && $IP link add v0 type veth peer name v1 && $IP link set v1 netns tgt &&
  $IP addr add 192.168.77.1/24 dev v0 && $IP link set v0 up &&
  $IP netns exec tgt $IP addr add $T_ADDR/24 dev v1 && $IP netns exec tgt $IP link set v1 up &&
  $IP netns exec tgt $IP link set lo up && ping -c 1 -W 2 $T_ADDR >/dev/null"
mkdir -p /var/lib/iscsi_disks
step "our target: fileio 64M with one LUN and an ACL" sh -c "
  iscsi-target /backstores/fileio create netem $IMG 64M &&
  iscsi-target /iscsi create $TGT &&
  iscsi-target /iscsi/$TGT/tpg1/luns create /backstores/fileio/netem &&
  iscsi-target /iscsi/$TGT/tpg1/acls create $INI && iscsi-target saveconfig"
bg iscsi-targetd $IP netns exec tgt iscsi-targetd -f
wait_for 20 "$IP netns exec tgt netstat -ltn | grep -q ':3260 '"

use_our_initiator "$INI"
set_conf /etc/iscsi/iscsid.conf node.session.timeo.replacement_timeout 120
set_conf /etc/iscsi/iscsid.conf node.conn[0].timeo.noop_out_interval $NOP_INTERVAL
set_conf /etc/iscsi/iscsid.conf node.conn[0].timeo.noop_out_timeout $NOP_TIMEOUT
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery over the veth pair" iscsiadm -m discovery -t sendtargets -p $T_ADDR
step "login" iscsiadm -m node -T "$TGT" -p $T_ADDR --login
expect_new_disk "$before"
d=/dev/${dev:-sdX}

# netem QDISC_ARGS on both ends ("" removes it)
netem() {
  $TC qdisc del dev v0 root 2>/dev/null
  $IP netns exec tgt $TC qdisc del dev v1 root 2>/dev/null
  [ -z "$*" ] && return 0
  $TC qdisc add dev v0 root netem "$@" && $IP netns exec tgt $TC qdisc add dev v1 root netem "$@"
}

# verified_write FIRST_MIB: CHUNKS chunks of fresh random data, each dd O_DIRECT + fsync, timed
# (/proc/uptime, 10 ms); read back with O_DIRECT and compared chunk by chunk. Prints the worst
# chunk time; fails on any dd error or mismatch.
verified_write() {
  i=0 worst=0
  while [ $i -lt $CHUNKS ]; do
    dd if=/dev/urandom of=/tmp/chunk$i bs=1M count=1 2>/dev/null
    t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
    dd if=/tmp/chunk$i of=$d bs=1M seek=$(($1 + i)) oflag=direct conv=fsync 2>/dev/null || { echo "write of chunk $i failed"; return 1; }
    t=$(( $(cut -d' ' -f1 /proc/uptime | tr -d .) - t0 ))
    [ $t -gt $worst ] && worst=$t
    i=$((i + 1))
  done
  i=0
  while [ $i -lt $CHUNKS ]; do
    dd if=$d of=/tmp/back bs=1M skip=$(($1 + i)) count=1 iflag=direct 2>/dev/null || { echo "read of chunk $i failed"; return 1; }
    cmp -s /tmp/back /tmp/chunk$i || { echo "verify error in chunk $i"; return 1; }
    i=$((i + 1))
  done
  echo "worst chunk (pause) $((worst * 10)) ms, 0 verify errors"
}

# flapping link: down 2 s every 5 s while the writer runs
flap() { while :; do sleep 3; $IP link set v0 down; sleep 2; $IP link set v0 up; done; }

off=0
for fault in "loss 1%" "loss 5%" "delay 50ms 20ms reorder 25% 50%" "duplicate 5%"; do
  run netem $fault
  step "netem $fault: verified writer ($CHUNKS MiB), zero verify errors" verified_write $off
  off=$((off + CHUNKS))
done
run netem
flap & FLAP=$!
step "netem link flapping (down 2 s every 5 s): verified writer, zero verify errors" verified_write $off
kill $FLAP; wait $FLAP 2>/dev/null; $IP link set v0 up
off=$((off + CHUNKS))
sid=$(ls /sys/class/iscsi_session | head -1)
step_sh "netem: the session recovered every time and is LOGGED_IN" "grep -qx LOGGED_IN /sys/class/iscsi_session/$sid/state"

# ---- digests on, netem corrupt ----
step "logout to log in again with digests" iscsiadm -m node -T "$TGT" -p $T_ADDR --logout
run iscsiadm -m node -T "$TGT" -p $T_ADDR -o update -n node.conn[0].iscsi.HeaderDigest -v CRC32C
run iscsiadm -m node -T "$TGT" -p $T_ADDR -o update -n node.conn[0].iscsi.DataDigest -v CRC32C
before=$(disks)
step "digest login with HeaderDigest and DataDigest CRC32C" iscsiadm -m node -T "$TGT" -p $T_ADDR --login
expect_new_disk "$before"
d=/dev/${dev:-sdX}
sid=$(ls /sys/class/iscsi_session | head -1)
c=/sys/class/iscsi_connection/connection${sid#session}:0
step_sh "digest: CRC32C negotiated on the connection (header_digest and data_digest 1 in sysfs)" "grep -qx 1 $c/header_digest && grep -qx 1 $c/data_digest"
run netem corrupt 1%
step "digest netem corrupt 1%: verified writer, zero verify errors" verified_write $off
run netem
ini_digest=$(iscsiadm -m session -r "${sid#session}" -s 2>/dev/null | sed -n 's/.*digest_err: *//p' | head -1)
tgt_digest=$(grep -c 'digest error' /tmp/iscsi-targetd.log)
note "digest errors: initiator ${ini_digest:-?} (kernel stats digest_err), target $tgt_digest (log lines); netem corrupts after the TCP checksum, so TCP drops corrupted segments before iSCSI sees them"
step_sh "digest: the session survived the corruption (LOGGED_IN)" "grep -qx LOGGED_IN /sys/class/iscsi_session/$sid/state"

# ---- NOP-Out timeout: the target stops answering ----
step_sh "NOP-Out: the session is LOGGED_IN before the target is stopped" "grep -qx LOGGED_IN /sys/class/iscsi_session/$sid/state"
kill -STOP "$PID_iscsi_targetd"
t0=$(cut -d' ' -f1 /proc/uptime | tr -d .)
if wait_for $((NOP_INTERVAL + NOP_TIMEOUT + 10)) "! grep -qx LOGGED_IN /sys/class/iscsi_session/$sid/state"; then
  t=$(( ($(cut -d' ' -f1 /proc/uptime | tr -d .) - t0) * 10 ))
  if [ $t -le $(( (NOP_INTERVAL + NOP_TIMEOUT) * 1000 + 1000 )) ]; then
    ok "NOP-Out timeout: a SIGSTOPped target detected after $t ms (noop_out_interval $NOP_INTERVAL s + noop_out_timeout $NOP_TIMEOUT s, 1 s slack)"
  else
    not_ok "NOP-Out timeout: a SIGSTOPped target detected within $((NOP_INTERVAL + NOP_TIMEOUT)) s + 1 s (took $t ms)"
  fi
else
  not_ok "NOP-Out timeout: a SIGSTOPped target detected (session still LOGGED_IN after $((NOP_INTERVAL + NOP_TIMEOUT + 10)) s)"
fi
run dmesg | grep -i 'ping\|nop' | tail -3
kill -CONT "$PID_iscsi_targetd"
step_sh "NOP-Out: the session recovers once the target runs again" "for i in \$(seq 1 150); do grep -qx LOGGED_IN /sys/class/iscsi_session/$sid/state && exit 0; sleep 0.2; done; exit 1"
step "NOP-Out: verified writer after the recovery" verified_write $((off + CHUNKS))
step "logout" iscsiadm -m node -T "$TGT" -p $T_ADDR --logout
