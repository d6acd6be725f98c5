# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Many paths in one systemd guest (issue 12): the target (iscsi-targetd.service, moved into the
# network namespace "tgt" by a drop-in) is reached from the initiator (the root namespace) over
# two veth links:  ia 10.1.1.2 <-> ta 10.1.1.1 (+ fd00:1::1/64, fe80::/64)
#                  ib 10.1.2.2 <-> tb 10.1.2.1
# and 10.9.9.9 (on the target's lo) is routed over both (ia first by metric).
# Parts (TAP step prefixes = the issue's scenario names):
#   "ipv6 link-local": discovery, login, session display and recovery over fd00:1::1 and
#     fe80::...%ia;
#   "iface binding": ifaces by net_ifacename (ia, ib) and by ipaddress (10.1.2.2) to 10.9.9.9;
#     discovery with -I makes one record per iface; each session's TCP connection leaves by the
#     link its iface names (ss and the kernel's host ipaddress);
#   "multipath failover": one LU through two TPGs/portals (10.1.1.1 tpg1, 10.1.2.1 tpg2, ALUA
#     groups), Debian's multipath-tools groups the two disks, a verified writer runs on the dm
#     device while one path is blackholed by nft in the target's namespace (MP_CUTS times),
#     replacement_timeout=5 honoured, the path is reinstated, data verifies;
#   "alua state change": iscsi-target swaps optimized <-> non-optimized, I/O moves (sdX/stat).
# Kernel command line knobs (bench/failover-pause.sh sets them in a copy of this file):
#   mp.cuts=N (default 2), mp.only=failover (skip the ipv6/iface parts), mp.only=ipv6 (that part only),
#   mp.peer=1 (repeat the cuts with Debian's open-iscsi and report both).
# Marks: pause_ours / pause_openiscsi = the writer's longest stall per cut, seconds, space separated.
# sd-packages: multipath-tools fio open-iscsi nftables sg3-utils
# sd-timeout: 900
# sd-append: systemd.mask=systemd-networkd-wait-online.service systemd.mask=open-iscsi.service
. /usr/local/lib/vmtest/sd-lib.sh
BASE=iqn.2026-12.org.example.mp
INI=$BASE:host
T=$BASE:lu
TB=$BASE:bind
T6=$BASE:v6
NS="ip netns exec tgt"
arg() { sed -n "s/.*\<mp\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
CUTS=$(arg cuts); CUTS=${CUTS:-2}
ONLY=$(arg only)
PEER=$(arg peer)
# check DESC CODE: one step, CODE evaluated by this shell in a subshell (functions available)
_ev() { eval "$1"; }
check() { step "$1" _ev "$2"; }
# out_has DESC ERE CMD...: run CMD (transcript), one step: ok iff its output matches ERE
out_has() {
  _d=$1 _re=$2; shift 2
  run "$@"
  if grep -Eq -- "$_re" /tmp/.vm-last.out; then ok "$_d"; else not_ok "$_d (no /$_re/ in the output)"; fi
}
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1; /usr/sbin/iscsiadm -m node -U all >/dev/null 2>&1; true'

# ---------------------------------------------------------------- network
note "Debian's open-iscsi is in the image for the comparison only (open-iscsi.service masked)"
run systemctl stop multipathd.socket multipathd.service
run ip netns add tgt
for l in a b; do
  run ip link add i$l type veth peer name t$l
  run ip link set t$l netns tgt
done
for ns in "" "$NS"; do
  $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
done
$NS ip link set lo up
run $NS ip addr add 10.1.1.1/24 dev ta
run $NS ip addr add 10.1.2.1/24 dev tb
run $NS ip addr add 10.9.9.9/32 dev lo
run $NS ip -6 addr add fd00:1::1/64 dev ta nodad
run ip addr add 10.1.1.2/24 dev ia
run ip addr add 10.1.2.2/24 dev ib
run ip -6 addr add fd00:1::2/64 dev ia nodad
for l in a b; do run $NS ip link set t$l up; run ip link set i$l up; done
run ip route add 10.9.9.9/32 via 10.1.1.1 dev ia metric 5
run ip route add 10.9.9.9/32 via 10.1.2.1 dev ib metric 10
wait_for 10 "$NS ip -6 addr show dev ta | grep -q 'fe80.*scope link'"
LL=$($NS ip -6 addr show dev ta | sed -n 's/.*inet6 \(fe80[^/]*\)\/64 scope link.*/\1/p' | head -1)
note "target link-local address on ta: $LL"
run ip addr

# nft tables used to blackhole one link inside the target's namespace
$NS nft -f - <<'EOF'
table inet cut {
  chain in  { type filter hook input priority 0; }
  chain out { type filter hook output priority 0; }
}
EOF
cut_link() { $NS nft add rule inet cut in iifname "$1" drop && $NS nft add rule inet cut out oifname "$1" drop; }
heal_links() { $NS nft flush chain inet cut in && $NS nft flush chain inet cut out; }

# ---------------------------------------------------------------- target
run mkdir -p /etc/systemd/system/iscsi-targetd.service.d /var/lib/iscsi_disks
printf '[Service]\nNetworkNamespacePath=/run/netns/tgt\n' > /etc/systemd/system/iscsi-targetd.service.d/netns.conf
run systemctl daemon-reload
step "setup: iscsi-targetd.service in netns tgt" systemctl start iscsi-targetd.service
cat > /tmp/target.cmds <<EOF
/backstores/fileio create lu /var/lib/iscsi_disks/lu.img 128M
/backstores/fileio/lu/alua create path_b 1
/backstores/ramdisk create bind 16M
/backstores/ramdisk create v6 16M
/iscsi create $T
/iscsi/$T/tpg1/portals delete 0.0.0.0 3260
/iscsi/$T/tpg1/luns create /backstores/fileio/lu
/iscsi/$T/tpg1/acls create $INI
/iscsi/$T/tpg1/portals create 10.1.1.1 3260
/iscsi/$T create 2
/iscsi/$T/tpg2/luns create /backstores/fileio/lu
/iscsi/$T/tpg2/luns/lun0 set alua alua_tg_pt_gp_name=path_b
/iscsi/$T/tpg2/acls create $INI
/iscsi/$T/tpg2/portals create 10.1.2.1 3260
/iscsi/$T/tpg2 enable
/backstores/fileio/lu/alua/default_tg_pt_gp set alua alua_access_state=0
/backstores/fileio/lu/alua/path_b set alua alua_access_state=1
/iscsi create $TB
/iscsi/$TB/tpg1/luns create /backstores/ramdisk/bind
/iscsi/$TB/tpg1/acls create $INI
/iscsi/$TB/tpg1/portals create 10.9.9.9 3260
/iscsi create $T6
/iscsi/$T6/tpg1/luns create /backstores/ramdisk/v6
/iscsi/$T6/tpg1/acls create $INI
/iscsi/$T6/tpg1/portals create [::] 3261
EOF
step "setup: configure the targets with iscsi-target -f" iscsi-target -f /tmp/target.cmds
run iscsi-target ls
check "setup: portals listening in netns tgt" \
  "wait_for 20 '$NS ss -ltn | grep -q 10.1.2.1:3260 && $NS ss -ltn | grep -q 10.9.9.9:3260 && $NS ss -ltn | grep -q \"\\[::\\]:3261\"'"
run $NS ss -ltn

# ---------------------------------------------------------------- initiator
echo "InitiatorName=$INI" > /etc/iscsi/initiatorname.iscsi
C=/etc/iscsi/iscsid.conf
set_conf $C node.session.timeo.replacement_timeout 5
# NOP-Out interval/timeout stay at open-iscsi's 5/5: 2/2 expired spuriously in a starved TCG guest
set_conf $C node.startup manual
run systemctl start iscsid.socket
session_of() { # TARGET PORTAL-REGEX: the sid
  ${A:-iscsiadm} -m session 2>/dev/null | awk -v t="$1" -v p="$2" '$4 == t && $3 ~ p { gsub(/[][]/, "", $2); print $2; exit }'
}
host_of_sid() { basename "$(dirname "$(readlink -f /sys/class/iscsi_session/session$1/device)")"; }
local_ip_of_sid() { cat "/sys/class/iscsi_host/$(host_of_sid "$1")/ipaddress" 2>/dev/null; }
local_port_of_sid() { cat /sys/class/iscsi_connection/connection$1:0/local_port 2>/dev/null; }

# ---------------------------------------------------------------- ipv6 link-local
ipv6_part() {
  P="ipv6 link-local"
  step "$P: discovery over [fd00:1::1]:3261" iscsiadm -m discovery -t sendtargets -p '[fd00:1::1]:3261'
  out_has "$P: discovery lists [fd00:1::1]:3261,1 $T6" "\[fd00:1::1\]:3261,1 $T6" iscsiadm -m node
  step "$P: login over the global address" iscsiadm -m node -T $T6 -p '[fd00:1::1]:3261' --login
  out_has "$P: -m session shows tcp: [N] [fd00:1::1]:3261,1 $T6 (non-flash)" \
    "^tcp: \[[0-9]+\] \[fd00:1::1\]:3261,1 $T6 \(non-flash\)$" iscsiadm -m session
  # Current Portal: the kernel's conn address as it prints it (open-iscsi shows it verbatim)
  out_has "$P: -P 3 shows Current Portal (kernel's form) and Persistent Portal: [fd00:1::1]:3261,1" \
    "Current Portal: \[fd00:0*1:(0000:){5}0*1\]:3261,1" iscsiadm -m session -P 3
  grep -q 'Persistent Portal: \[fd00:1::1\]:3261,1' /tmp/.vm-last.out || not_ok "$P: -P 3 Persistent Portal"
  sid=$(session_of $T6 fd00)
  check "$P: recovery over the global address (ta blackholed until the conn error, session back to LOGGED_IN)" "
    cut_link ta; wait_for 40 \"dmesg | grep -q 'connection$sid:0: detected conn error'\"; heal_links
    wait_for 30 'iscsiadm -m session -r $sid -P 1 | grep -q \"Session State: LOGGED_IN\"' &&
    dmesg | grep -q 'connection$sid:0: detected conn error'"
  step "$P: logout (global)" iscsiadm -m node -T $T6 -p '[fd00:1::1]:3261' --logout
  run iscsiadm -m node -o delete -T $T6
  LP="[$LL%ia]:3261"
  step "$P: discovery over $LP" iscsiadm -m discovery -t sendtargets -p "$LP"
  run iscsiadm -m node
  step "$P: login over $LP" iscsiadm -m node -T $T6 -p "$LP" --login
  run iscsiadm -m session
  out_has "$P: -m session shows [$LL%ia]:3261,1" "^tcp: \[[0-9]+\] \[$LL%ia\]:3261,1 $T6" iscsiadm -m session
  out_has "$P: -P 3 shows Persistent Portal: [$LL%ia]:3261,1" "Persistent Portal: \[$LL%ia\]:3261,1" iscsiadm -m session -P 3
  sid=$(session_of $T6 fe80)
  check "$P: recovery over link-local (ia down until the conn error, session back to LOGGED_IN)" "
    ip link set ia down; wait_for 40 \"dmesg | grep -q 'connection$sid:0: detected conn error'\"; ip link set ia up
    wait_for 40 'iscsiadm -m session -r $sid -P 1 | grep -q \"Session State: LOGGED_IN\"' &&
    dmesg | grep -q 'connection$sid:0: detected conn error'"
  run iscsiadm -m session -P 1
  step "$P: logout (link-local)" iscsiadm -m node -T $T6 --logout
  # SendTargets through the [::] portal listed every target: start the next part clean
  run iscsiadm -m node -o delete
  run rm -rf /etc/iscsi/send_targets
}

# ---------------------------------------------------------------- iface binding
iface_part() {
  P="iface binding"
  step "$P: iface new ifa/ifb/ipb" sh -c 'iscsiadm -m iface -I ifa -o new && iscsiadm -m iface -I ifb -o new && iscsiadm -m iface -I ipb -o new'
  step "$P: ifa net_ifacename=ia" iscsiadm -m iface -I ifa -o update -n iface.net_ifacename -v ia
  step "$P: ifb net_ifacename=ib" iscsiadm -m iface -I ifb -o update -n iface.net_ifacename -v ib
  step "$P: ipb ipaddress=10.1.2.2" iscsiadm -m iface -I ipb -o update -n iface.ipaddress -v 10.1.2.2
  run iscsiadm -m iface
  step "$P: discovery -I ifa -I ifb -I ipb" iscsiadm -m discovery -t st -p 10.9.9.9 -I ifa -I ifb -I ipb
  run iscsiadm -m node -P 1
  check "$P: one node record per iface" \
    "for i in ifa ifb ipb; do [ -f /etc/iscsi/nodes/$TB/10.9.9.9,3260,1/\$i ] || exit 1; done"
  for i in ifa ifb ipb; do
    step "$P: login through $i" iscsiadm -m node -T $TB -p 10.9.9.9 -I $i --login
  done
  run iscsiadm -m session -P 1
  run ss -tni dst 10.9.9.9
  for i in ifa:10.1.1.2 ifb:10.1.2.2 ipb:10.1.2.2; do
    name=${i%%:*} want=${i#*:}
    sid=$(iscsiadm -m session -P 1 | awk -v T=$TB -v I=$name '/^Target: /{t=$2} /Iface Name:/{n=$3} /SID:/{ if (t==T && n==I) print $2 }')
    lp=$(local_port_of_sid "$sid")
    check "$P: $name session $sid leaves from $want (host ipaddress, ss local port $lp)" \
      "[ \"\$(cat /sys/class/iscsi_host/$(host_of_sid "$sid")/ipaddress)\" = $want ] &&
       ss -tnH dst 10.9.9.9 | awk '{print \$4}' | sed 's/%[^:]*//' | grep -qx '$want:$lp'"
  done
  for i in ifa:ia ifb:ib; do
    name=${i%%:*} want=${i#*:}
    sid=$(iscsiadm -m session -P 1 | awk -v T=$TB -v I=$name '/^Target: /{t=$2} /Iface Name:/{n=$3} /SID:/{ if (t==T && n==I) print $2 }')
    check "$P: $name session $sid shows its device: host netdev $want, -P 1 'Iface Netdev: $want'" \
      "[ \"\$(cat /sys/class/iscsi_host/$(host_of_sid "$sid")/netdev)\" = $want ] &&
       iscsiadm -m session -r $sid -P 1 | grep -qx '[[:space:]]*Iface Netdev: $want'"
  done
  run grep . /sys/class/iscsi_host/*/netdev /sys/class/iscsi_host/*/hwaddress
  # ifb and ifa differ in their link although routing alone would pick ia for both:
  check "$P: ifb's connection is on link ib (socket bound to the device)" \
    "sid=\$(iscsiadm -m session -P 1 | awk -v T=$TB '/^Target: /{t=\$2} /Iface Name:/{n=\$3} /SID:/{ if (t==T && n==\"ifb\") print \$2 }');
     ss -tnHe dst 10.9.9.9 | grep \":\$(cat /sys/class/iscsi_connection/connection\$sid:0/local_port) \" | grep -q 'dev:ib\\|%ib'"
  run ss -tnHe dst 10.9.9.9
  step "$P: logout all" iscsiadm -m node -T $TB --logout
  run iscsiadm -m node -o delete
  run rm -rf /etc/iscsi/send_targets
}

# ---------------------------------------------------------------- writer
cat > /root/writer.py <<'PY'
# Verified writer: 64 KiB O_DIRECT writes over a region of DEV, each block stamped with
# (generation, index); a stall > 0.2 s between two completions is logged as "END_TIME GAP".
# SIGTERM: stop, read everything back, compare, print the result; exit 1 on any error.
import mmap, os, signal, struct, sys, time
dev, mib, gaplog = sys.argv[1], int(sys.argv[2]), sys.argv[3]
BS = 65536
n = mib * 1024 * 1024 // BS
gen = [0] * n
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
buf = mmap.mmap(-1, BS)
def fill(g, i):
    buf.seek(0); buf.write(struct.pack('<QQ', g, i) * (BS // 16))
fd = os.open(dev, os.O_RDWR | os.O_DIRECT)
errors = writes = 0
last = time.time()
log = open(gaplog, 'a', buffering=1)
g = 1
while not stop:
    for i in range(n):
        if stop:
            break
        fill(g, i)
        try:
            os.pwrite(fd, buf, i * BS)
            gen[i] = g
            writes += 1
        except OSError as e:
            errors += 1
            print(f"write error block {i}: {e}", flush=True)
        now = time.time()
        if now - last > 0.2:
            log.write(f"{now:.3f} {now - last:.3f}\n")
        last = now
    g += 1
bad = 0
for i in range(n):
    if gen[i] == 0:
        continue
    os.preadv(fd, [buf], i * BS)
    buf.seek(0)
    if buf.read(16) != struct.pack('<QQ', gen[i], i) or buf[:] != struct.pack('<QQ', gen[i], i) * (BS // 16):
        bad += 1
print(f"writes {writes} write_errors {errors} verified {sum(1 for x in gen if x)} blocks bad {bad}", flush=True)
sys.exit(1 if errors or bad else 0)
PY

# ---------------------------------------------------------------- multipath
cat > /etc/multipath.conf <<'EOF'
defaults {
  user_friendly_names yes
  find_multipaths no
  polling_interval 1
  path_grouping_policy group_by_prio
  prio alua
  failback immediate
  path_checker tur
  no_path_retry 30
}
EOF

mp_disks() { ls /sys/block/"$(basename "$(readlink -f /dev/mapper/mpatha)")"/slaves 2>/dev/null; }
path_line() { multipathd show paths format "%d %t %T %p %s" 2>/dev/null | awk -v d="$1" '$1 == d'; }
writes_of() { awk '{print $5}' /sys/block/$1/stat; }
sd_of_portal() { # PORTAL-IP: the sdX of the multipath LU's session through it
  sid=$(session_of $T "$1")
  ls /sys/class/iscsi_session/session$sid/device/target*/*:*/block/ 2>/dev/null | head -1
}

# login IMPL: discovery + login to both portals of $T with IMPL's iscsiadm
mp_login() {
  A=$1
  step "$P: discovery of both portals ($IMPL)" $A -m discovery -t sendtargets -p 10.1.1.1
  out_has "$P: sendtargets lists 10.1.1.1:3260,1 and 10.1.2.1:3260,2 ($IMPL)" "10.1.2.1:3260,2 $T" $A -m node
  # the answer lists every target this initiator may see: keep the multipath LU's records only
  run $A -m node -o delete -T $TB
  run $A -m node -o delete -T $T6
  step "$P: --loginall=all logs in both portals ($IMPL)" $A -m node --loginall=all
  check "$P: two sessions, recovery_tmo 5 ($IMPL)" \
    "wait_for 20 '[ \$(ls -d /sys/class/iscsi_session/session* | wc -l) = 2 ]' &&
     for s in /sys/class/iscsi_session/session*; do [ \$(cat \$s/recovery_tmo) = 5 ] || exit 1; done"
  run $A -m session
  check "$P: multipath groups both disks into mpatha ($IMPL)" \
    "wait_for 30 '[ \$(ls /sys/block/\$(basename \$(readlink -f /dev/mapper/mpatha))/slaves | wc -l) = 2 ]'"
  run multipath -ll
  check "$P: multipath -ll: two path groups, prio 50 (optimized) and 10 (non-optimized) ($IMPL)" \
    "wait_for 15 'multipath -ll | grep -q \"prio=50 status=active\" && multipath -ll | grep -q \"prio=10 status=enabled\"'"
}

# cuts IMPL MARK: the writer on mpatha, CUTS cuts of link ta (tpg1, the optimized path)
mp_cuts() {
  IMPL=$1 MARK=$2
  rm -f /tmp/gaps.log; : > /tmp/gaps.log
  python3 /root/writer.py /dev/mapper/mpatha 32 /tmp/gaps.log > /tmp/writer.log 2>&1 &
  wpid=$!
  sleep 3
  pauses=""
  sda=$(sd_of_portal 10.1.1.1)
  for c in $(seq 1 "$CUTS"); do
    t0=$(date +%s.%N)
    cut_link ta
    check "$P: cut $c: path $sda fails, I/O goes on through the other path ($IMPL)" \
      "wait_for 30 'path_line $sda | grep -q failed' && sleep 2 &&
       n=\$(awk '{print \$5}' /sys/block/\$(sd_of_portal 10.1.2.1)/stat); sleep 2;
       [ \$(awk '{print \$5}' /sys/block/\$(sd_of_portal 10.1.2.1)/stat) -gt \$n ]"
    heal_links
    check "$P: cut $c: path $sda reinstated by multipathd ($IMPL)" \
      "wait_for 60 'path_line $sda | grep -q \"active ready\"'"
    # wait until I/O is back on the optimized path before the next cut
    wait_for 20 "n=\$(writes_of $sda); sleep 1; [ \$(writes_of $sda) -gt \$n ]"
    p=$(awk -v t="$t0" '$1 > t && $2 > m { m = $2 } END { printf "%.2f", m + 0 }' /tmp/gaps.log)
    say "cut $c: longest writer stall after the cut: $p s"
    pauses="$pauses $p"
  done
  sd_mark "$MARK" $pauses
  check "$P: replacement_timeout 5 s honoured (kernel: session recovery timed out after 5 secs) ($IMPL)" \
    "dmesg | grep -q 'session recovery timed out after 5 secs'"
  kill -TERM $wpid
  wait $wpid; wrc=$?
  run cat /tmp/writer.log
  if [ $wrc = 0 ] && grep -q 'write_errors 0 .* bad 0' /tmp/writer.log; then
    ok "$P: writer saw no error, all data verifies ($IMPL; stalls:$pauses s)"
  else
    not_ok "$P: writer saw an error or data did not verify ($IMPL, rc $wrc)"
  fi
}

alua_part() {
  P="alua state change"
  sda=$(sd_of_portal 10.1.1.1) sdb=$(sd_of_portal 10.1.2.1)
  python3 /root/writer.py /dev/mapper/mpatha 16 /tmp/gaps2.log > /tmp/writer2.log 2>&1 &
  wpid=$!
  sleep 2
  check "$P: I/O on $sda (tpg1, optimized), none on $sdb" \
    "a=\$(writes_of $sda) b=\$(writes_of $sdb); sleep 3; [ \$(writes_of $sda) -gt \$a ] && [ \$(writes_of $sdb) = \$b ]"
  step "$P: iscsi-target: tpg1's group non-optimized, path_b optimized" sh -c \
    "iscsi-target /backstores/fileio/lu/alua/default_tg_pt_gp set alua alua_access_state=1 &&
     iscsi-target /backstores/fileio/lu/alua/path_b set alua alua_access_state=0"
  check "$P: multipathd sees prio 50 on $sdb, 10 on $sda" \
    "wait_for 30 'path_line $sdb | grep -q \" 50 \" && path_line $sda | grep -q \" 10 \"'"
  run multipath -ll
  check "$P: I/O moved to $sdb, none on $sda" \
    "wait_for 20 'a=\$(writes_of $sda) b=\$(writes_of $sdb); sleep 3; [ \$(writes_of $sdb) -gt \$b ] && [ \$(writes_of $sda) = \$a ]'"
  step "$P: iscsi-target: back to tpg1 optimized" sh -c \
    "iscsi-target /backstores/fileio/lu/alua/path_b set alua alua_access_state=1 &&
     iscsi-target /backstores/fileio/lu/alua/default_tg_pt_gp set alua alua_access_state=0"
  check "$P: I/O back on $sda" \
    "wait_for 30 'a=\$(writes_of $sda) b=\$(writes_of $sdb); sleep 3; [ \$(writes_of $sda) -gt \$a ] && [ \$(writes_of $sdb) = \$b ]'"
  kill -TERM $wpid
  wait $wpid; wrc=$?
  run cat /tmp/writer2.log
  if [ $wrc = 0 ] && grep -q 'write_errors 0 .* bad 0' /tmp/writer2.log; then
    ok "$P: writer saw no error, all data verifies"
  else
    not_ok "$P: writer saw an error or data did not verify (rc $wrc)"
  fi
}

mp_logout() { # ISCSIADM
  run multipath -F
  run "$1" -m node -U all
  run "$1" -m node -o delete
  wait_for 20 "! ls /sys/class/iscsi_session/session* >/dev/null 2>&1"
}

if [ "$ONLY" != failover ]; then
  ipv6_part
  [ "$ONLY" = ipv6 ] && exit 0
  iface_part
fi
P="multipath failover"
IMPL=ours
step "$P: multipathd.service started" systemctl start multipathd.service
mp_login iscsiadm
mp_cuts ours pause_ours
[ "$ONLY" != failover ] && alua_part
P="multipath failover"
mp_logout iscsiadm

if [ "$PEER" = 1 ]; then
  IMPL=open-iscsi
  note "the same cuts with Debian's open-iscsi 2.1.8 (/usr/sbin/iscsid, /usr/sbin/iscsiadm)"
  run systemctl stop iscsid.socket iscsid.service
  run rm -rf /etc/iscsi/nodes /etc/iscsi/send_targets
  run systemd-run --unit=debian-iscsid /usr/sbin/iscsid -f
  wait_for 10 "systemctl -q is-active debian-iscsid"
  run dmesg -C
  mp_login /usr/sbin/iscsiadm
  mp_cuts open-iscsi pause_openiscsi
  mp_logout /usr/sbin/iscsiadm
  run systemctl stop debian-iscsid
fi
