#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Network faults between our initiator and our target (issue 14): the target runs in a network
# namespace of its own behind a veth pair, so `tc netem` shapes every packet. Under each fault a
# verified writer writes 1 MiB chunks of fresh random data with O_DIRECT + fsync, reads each back
# right after its write and compares (its slowest dd is the writer's worst pause): loss 1%,
# loss 5%, delay 50 ms +- 20 ms with reordering, duplication, a link that flaps. Then digests
# (CRC32C) on: netem corrupt, which TCP's checksum catches before iSCSI sees it (so no digest
# error may appear); NOP-Out: a SIGSTOPped target is detected within noop_out_interval +
# noop_out_timeout; and tcp-corrupt, a relay that flips bits past TCP's checksum as a broken
# middlebox or NIC offload would: every flip must be caught by the receiver's digest check (the
# target's header/data digest errors, the kernel's connection errors 1014/1015), the session
# recovers, and no data is lost.
# bench/netem.sh runs this script with FAULT_SECONDS=300 (the knobs below, set by sed).
# vm-timeout: 600
. /lib/vm/lib.sh
TGT=iqn.2026-12.org.example.vm:netem
INI=iqn.2026-12.org.example.vm:netem-ini
IMG=/var/lib/iscsi_disks/netem.img
T_ADDR=192.168.77.2
RELAY=127.0.0.1:3261
CHUNKS=4                # chunks per fault (the test command's short version)
DELAY_CHUNKS=2          # ... under delay + jitter, where TCP crawls (~20 s for 2 MiB under TCG)
FAULT_SECONDS=0         # bench: seconds per fault instead of CHUNKS chunks
SLOTS=8                 # 1 MiB slots per fault on the disk (the timed writer cycles through them)
FLAP_UP=3 FLAP_DOWN=2   # the flapping link's seconds up and down
DIGEST_CHUNKS=8         # chunks through the bit-flipping relay (short version)
FLIP_EVERY=2097152      # the relay's mean bytes between two flips, per direction
FAULTS=all              # bench: which faults run (loss_1% loss_5% delay duplicate flap digest)
NOP_INTERVAL=2 NOP_TIMEOUT=2
[ "$FAULT_SECONDS" -gt 0 ] && STEP_TIMEOUT=$((FAULT_SECONDS + 600))
export PATH=$OURS:$PATH
# iproute2's ip and tc (busybox ip has no netns or veth)
IP=/usr/sbin/ip TC=/usr/sbin/tc

step "veth pair into a network namespace for the target (tc netem on both ends)" sh -c "
  $IP netns add tgt && $IP link add v0 type veth peer name v1 && $IP link set v1 netns tgt &&
  $IP addr add 192.168.77.1/24 dev v0 && $IP link set v0 up &&
  $IP netns exec tgt $IP addr add $T_ADDR/24 dev v1 && $IP netns exec tgt $IP link set v1 up &&
  $IP netns exec tgt $IP link set lo up && ping -c 1 -W 2 $T_ADDR >/dev/null"
mkdir -p /var/lib/iscsi_disks
step "our target: fileio 128M with one LUN and an ACL" sh -c "
  iscsi-target /backstores/fileio create netem $IMG 128M &&
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

up_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }   # uptime in 10 ms units

# verified_write FIRST_MIB N: fresh random 1 MiB chunks, each written with O_DIRECT + fsync to
# slot FIRST_MIB + i mod N, read back with O_DIRECT and compared right away; N chunks, or as
# many as fit in FAULT_SECONDS when that is set. If slots were written more than once, every
# slot is read back and compared again at the end (a stale retried write landing late). Prints a "BENCH writer" line (MiB written and verified, errors, worst
# pause = slowest single dd); fails on any failed dd or mismatch.
verified_write() {
  first=$1 slots=$2 i=0 worst=0 mib=0 ver=0 werr=0 verr=0
  rm -f /tmp/chunk*
  t_end=$(( $(up_cs) + FAULT_SECONDS * 100 ))
  while if [ "$FAULT_SECONDS" -gt 0 ]; then [ "$(up_cs)" -lt $t_end ]; else [ $i -lt $slots ]; fi; do
    s=$((i % slots))
    dd if=/dev/urandom of=/tmp/chunk$s bs=1M count=1 2>/dev/null
    t0=$(up_cs)
    if dd if=/tmp/chunk$s of=$d bs=1M seek=$((first + s)) oflag=direct conv=fsync 2>/dev/null; then
      mib=$((mib + 1))
    else
      echo "write of chunk $i (slot $s) failed"; werr=$((werr + 1)); rm -f /tmp/chunk$s
    fi
    t=$(( $(up_cs) - t0 )); [ $t -gt $worst ] && worst=$t
    if [ -f /tmp/chunk$s ]; then
      t0=$(up_cs)
      if dd if=$d of=/tmp/back bs=1M skip=$((first + s)) count=1 iflag=direct 2>/dev/null && cmp -s /tmp/back /tmp/chunk$s; then
        ver=$((ver + 1))
      else
        echo "verify error in chunk $i (slot $s)"; verr=$((verr + 1))
      fi
      t=$(( $(up_cs) - t0 )); [ $t -gt $worst ] && worst=$t
    fi
    i=$((i + 1))
  done
  s=0
  [ $i -gt $slots ] || s=$slots
  while [ $s -lt $slots ]; do
    if [ -f /tmp/chunk$s ]; then
      dd if=$d of=/tmp/back bs=1M skip=$((first + s)) count=1 iflag=direct 2>/dev/null && cmp -s /tmp/back /tmp/chunk$s ||
        { echo "verify error in slot $s at the end"; verr=$((verr + 1)); }
    fi
    s=$((s + 1))
  done
  echo "BENCH writer mib=$mib verified=$ver verify_errors=$verr write_errors=$werr worst_pause_ms=$((worst * 10))"
  echo "$mib MiB written, $ver MiB read back and compared after their write; worst pause $((worst * 10)) ms, $verr verify errors, $werr failed writes"
  [ $verr = 0 ] && [ $werr = 0 ] && [ $mib -gt 0 ]
}

# recoveries: sessions our iscsid brought back so far (its log)
recoveries() { grep -c 'operational after recovery' /tmp/iscsid.log; }
# kernel connection errors with code $1 so far (ISCSI_ERR_HDR_DGST 1014, _DATA_DGST 1015, _AHSLEN 1007)
kconn_errors() { dmesg | grep -c "detected conn error ($1)"; }
# the target's header digest errors (one log line each: the connection is dropped) and data
# digest errors (counted per connection, logged when it closes)
tgt_header_errors() { grep -c 'header digest error' /tmp/iscsi-targetd.log; }
tgt_data_errors() {
  sed -n 's/.*connection closed after \([0-9]*\) data digest errors.*/\1/p' /tmp/iscsi-targetd.log | awk '{ s += $1 } END { print s + 0 }'
}
# the "BENCH writer" line of the last step, without its first two words
last_writer() { grep '^BENCH writer' /tmp/.vm-last.out 2>/dev/null | cut -d' ' -f3-; }

# fault_step NAME DESC FIRST_MIB: the verified writer under the current fault as one step, then
# a "BENCH fault" line (what bench/netem.sh prints) with the session recoveries during it.
want() { case " $FAULTS " in *" all "*|*" $1 "*) return 0 ;; esac; note "$1: not in FAULTS=$FAULTS"; return 1; }
fault_step() {
  want "$1" || return 0
  r0=$(recoveries)
  n=$CHUNKS
  [ "$1" = delay ] && n=$DELAY_CHUNKS
  if [ "$FAULT_SECONDS" -gt 0 ]; then n=$SLOTS what="${FAULT_SECONDS} s"; else what="$n MiB"; fi
  step "$2: verified writer ($what), zero verify errors" verified_write $3 $n
  say "BENCH fault name=$1 recoveries=$(( $(recoveries) - r0 )) $(last_writer)"
}

# flapping link: down FLAP_DOWN s every FLAP_UP + FLAP_DOWN s while the writer runs
flap() { while :; do sleep $FLAP_UP; $IP link set v0 down; sleep $FLAP_DOWN; $IP link set v0 up; done; }

off=0
for fault in "loss 1%" "loss 5%" "delay 50ms 20ms reorder 25% 50%" "duplicate 5%"; do
  run netem $fault
  fault_step "$(echo $fault | sed 's/ [0-9]*ms.*//' | tr ' ' _)" "netem $fault" $off
  off=$((off + SLOTS))
done
run netem
flap & FLAP=$!
fault_step flap "netem link flapping (down $FLAP_DOWN s every $((FLAP_UP + FLAP_DOWN)) s)" $off
kill $FLAP; wait $FLAP 2>/dev/null; $IP link set v0 up
off=$((off + SLOTS))
sid=$(ls /sys/class/iscsi_session | head -1)
step_sh "netem: the session recovered every time and is LOGGED_IN" "for i in \$(seq 1 150); do grep -qx LOGGED_IN /sys/class/iscsi_session/$sid/state && exit 0; sleep 0.2; done; exit 1"

step "logout to log in again with digests" iscsiadm -m node -T "$TGT" -p $T_ADDR --logout

# ---- digests on: netem corrupt (caught by TCP) ----
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
k0=$(( $(kconn_errors 1014) + $(kconn_errors 1015) )) h0=$(tgt_header_errors)
step "netem corrupt 1% with digests on: verified writer ($CHUNKS MiB), zero verify errors" verified_write $off $CHUNKS
off=$((off + SLOTS))
run netem
kn=$(( $(kconn_errors 1014) + $(kconn_errors 1015) - k0 )) hn=$(( $(tgt_header_errors) - h0 ))
if [ $kn = 0 ] && [ $hn = 0 ]; then
  ok "netem corrupt 1%: no digest error on either side (netem corrupts before TCP's checksum, so TCP drops those segments)"
else
  not_ok "netem corrupt 1%: no digest error on either side (kernel $kn, target $hn header digest errors)"
fi

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
step "NOP-Out: verified writer after the recovery" verified_write $off $CHUNKS
off=$((off + SLOTS))
step "digest: logout of the direct session" iscsiadm -m node -T "$TGT" -p $T_ADDR --logout

# ---- digests on: bits flipped past TCP by the tcp-corrupt relay ----
if want digest; then
  bg tcp-corrupt /opt/iscsi-tools/test/tcp-corrupt -r $FLIP_EVERY $RELAY $T_ADDR:3260
  wait_for 10 "listening ${RELAY#*:}"
  run iscsiadm -m node -T "$TGT" -p $RELAY -o new
  run iscsiadm -m node -T "$TGT" -p $RELAY -o update -n node.conn[0].iscsi.HeaderDigest -v CRC32C
  run iscsiadm -m node -T "$TGT" -p $RELAY -o update -n node.conn[0].iscsi.DataDigest -v CRC32C
  k0=$(kconn_errors 1014) k1=$(kconn_errors 1015) k7=$(kconn_errors 1007)
  h0=$(tgt_header_errors) r0=$(recoveries)
  before=$(disks)
  step "digest: login through the bit-flipping relay (tcp-corrupt, one flip per $FLIP_EVERY bytes each way)" iscsiadm -m node -T "$TGT" -p $RELAY --login
  expect_new_disk "$before"
  d=/dev/${dev:-sdX}
  sid=$(ls /sys/class/iscsi_session | head -1)
  step_sh "digest: the relay saw CRC32C negotiated for headers and data" "grep -q 'digests header CRC32C data CRC32C' /tmp/tcp-corrupt.log"
  if [ "$FAULT_SECONDS" -gt 0 ]; then n=$SLOTS what="${FAULT_SECONDS} s"; else n=$DIGEST_CHUNKS what="$DIGEST_CHUNKS MiB"; fi
  step "digest: verified writer through the relay ($what), zero verify errors" verified_write $off $n
  writer=$(last_writer)
  off=$((off + n))
  kill -USR1 "$PID_tcp_corrupt"   # no more flips: log out cleanly, then count
  step_sh "digest: the session recovered from every flip (LOGGED_IN)" "for i in \$(seq 1 300); do grep -qx LOGGED_IN /sys/class/iscsi_session/$sid/state && exit 0; sleep 0.2; done; exit 1"
  step "digest: logout through the relay" iscsiadm -m node -T "$TGT" -p $RELAY --logout
  # the target logs each connection's data digest errors when it closes it, before the relay
  # sees that connection end
  wait_for 10 "[ \$(grep -c ' open\$' /tmp/tcp-corrupt.log) = \$(grep -c ' closed\$' /tmp/tcp-corrupt.log) ]"
  run grep -E '^flip|^conn .*(open|closed)$' /tmp/tcp-corrupt.log
  run sh -c "dmesg | grep -E 'detected conn error|DataDigest' | tail -40"
  run grep -E 'digest error' /tmp/iscsi-targetd.log
  f_th=$(grep -c 'expect target-header' /tmp/tcp-corrupt.log)
  f_td=$(grep -c 'expect target-data' /tmp/tcp-corrupt.log)
  f_i=$(grep -c 'expect initiator' /tmp/tcp-corrupt.log)
  f_ih=$(grep 'expect initiator' /tmp/tcp-corrupt.log | grep -cE ' (bhs|ahs|header-digest) byte')
  t_h=$(( $(tgt_header_errors) - h0 )) t_d=$(tgt_data_errors)
  i_h=$(( $(kconn_errors 1014) - k0 )) i_d=$(( $(kconn_errors 1015) - k1 )) i_a=$(( $(kconn_errors 1007) - k7 ))
  conns=$(grep -c ' open$' /tmp/tcp-corrupt.log)
  say "BENCH fault name=digest recoveries=$(( $(recoveries) - r0 )) $writer flips_i2t_header=$f_th flips_i2t_data=$f_td flips_t2i_header=$f_ih flips_t2i_data=$((f_i - f_ih)) target_header_digest_errors=$t_h target_data_digest_errors=$t_d initiator_header_digest_errors=$i_h initiator_data_digest_errors=$i_d initiator_ahslen_errors=$i_a connections=$conns"
  note "relay flips: $f_th in headers and $f_td in data toward the target, $f_ih in headers and $((f_i - f_ih)) in data toward the initiator, over $conns connections"
  note "target: $t_h header and $t_d data digest errors; kernel initiator: $i_h header (1014) and $i_d data (1015) digest errors, $i_a AHS length errors (1007: a flipped TotalAHSLength caught before the digest); iscsiadm -s digest_err stays 0: libiscsi's get_stats hard-codes it"
  if [ $((f_th + f_td)) -gt 0 ] && [ $f_i -gt 0 ]; then
    ok "digest: the relay flipped bits both ways ($((f_th + f_td)) toward the target, $f_i toward the initiator)"
  else
    not_ok "digest: the relay flipped bits both ways ($((f_th + f_td)) toward the target, $f_i toward the initiator)"
  fi
  if [ $t_h = $f_th ] && [ $t_d = $f_td ]; then
    ok "digest: the target caught every flip toward it ($t_h header, $t_d data digest errors)"
  else
    not_ok "digest: the target caught every flip toward it (flips $f_th header / $f_td data, digest errors $t_h / $t_d)"
  fi
  if [ $((i_h + i_a)) = $f_ih ] && [ $i_d = $((f_i - f_ih)) ]; then
    ok "digest: the kernel initiator caught every flip toward it ($i_h header, $i_d data digest errors, $i_a AHS length)"
  else
    not_ok "digest: the kernel initiator caught every flip toward it (flips $f_ih header / $((f_i - f_ih)) data, caught $i_h header + $i_a AHS length / $i_d data)"
  fi
fi
