# SPDX-License-Identifier: GPL-2.0-or-later
# Initiator guest of the consumer pair (run-pair.sh consumer-target consumer-osbrick): OpenStack's
# os-brick (Debian's python3-os-brick 6.1) drives our installed iscsiadm/iscsid as Nova/Cinder do.
# Its ISCSIConnector (use_multipath=False) runs every command through oslo.privsep's daemon,
# started by privsep-helper with `env` as the root helper (we are root already: `env` is the
# no-op wrapper in place of sudo). One long-lived python process keeps the connector (importing
# os-brick costs seconds under TCG); the shell sends it commands through FIFOs, and checks the
# system state itself (sessions, node records, block devices).
# Debian's open-iscsi (a dependency of python3-os-brick) is removed from the guest's PATH first.
# Then libvirt (Debian's libvirtd 9.0): an iscsi storage pool with CHAP, pool-start / vol-list /
# pool-stop (virsh pool-destroy) against the same target (the LUN is 128 MiB by then).
# sd-packages: python3-os-brick lsscsi libvirt-daemon libvirt-clients
# sd-timeout: 700
. /usr/local/lib/vmtest/sd-lib.sh
BASE=iqn.2026-12.org.example.consumers
INI=$BASE:brick-host
T=$BASE:brick
P=10.0.3.1:3260
IN=/run/brick.in OUT=/run/brick.out
at_exit 'echo quit > /run/brick.in & sleep 1; iscsiadm -m node -U all >/dev/null 2>&1; ctl done >/dev/null 2>&1'

# brick CMD: one command to the os-brick driver; its output, exit 0 iff it succeeded
brick() {
  echo "$*" > $IN
  cat $OUT > /tmp/brick.reply
  sed '/^@@rc /d' /tmp/brick.reply
  _rc=$(sed -n 's/^@@rc //p' /tmp/brick.reply)
  return "${_rc:-99}"
}
# ctl CMD: ask the target guest's control channel (grow, done); exit 0 iff it did it
ctl() {
  exec 5<>/dev/tcp/10.0.3.1/9999 || return 1
  echo "$1" >&5
  read -r _r _rc <&5
  exec 5<&-
  echo "target: $1 -> $_r $_rc"
  [ "$_rc" = 0 ]
}

note "Debian's open-iscsi came in as a dependency of python3-os-brick: take it off the system"
run systemctl disable --now open-iscsi.service
run rm -f /usr/sbin/iscsiadm /usr/sbin/iscsid /usr/sbin/iscsistart /usr/sbin/iscsi-iname /usr/sbin/iscsi_discovery
step_sh "os-brick: only our iscsiadm/iscsid are reachable (installed by meson install; the bin/ link is ours too)" \
  '[ "$(command -v iscsiadm)" = /usr/local/sbin/iscsiadm ] && [ "$(command -v iscsid)" = /usr/local/sbin/iscsid ] &&
   [ -z "$(which -a iscsiadm | xargs -n1 readlink -f | grep -vx /usr/local/sbin/iscsiadm)" ] &&
   grep -q /usr/local/sbin/iscsid /lib/systemd/system/iscsid.service'
echo "InitiatorName=$INI" > /etc/iscsi/initiatorname.iscsi

cat > /root/brick.py <<'PY'
import json, os, sys, traceback
from oslo_config import cfg
from oslo_log import log as logging
from oslo_concurrency import lockutils
lockutils.set_defaults("/run/brick-locks")
logging.register_options(cfg.CONF)
cfg.CONF([], project="brick-test", default_config_files=[])
cfg.CONF.set_override("debug", True)
cfg.CONF.set_override("log_file", "/tmp/osbrick-debug.log")
logging.setup(cfg.CONF, "brick-test")
import os_brick
os_brick.setup(cfg.CONF)
from oslo_privsep import priv_context
priv_context.init(root_helper=["env"])
from os_brick.initiator import connector

IN, OUT, target, portal = sys.argv[1:5]
props = {"target_portal": portal, "target_iqn": target, "target_lun": 0,
         "auth_method": "CHAP", "auth_username": "brickuser", "auth_password": "brickpass1234",
         "volume_id": "vol-1"}
conn = connector.InitiatorConnector.factory("ISCSI", "env", use_multipath=False,
                                            device_scan_attempts=5)
state = {}

def do(cmd):
    if cmd == "properties":
        print(json.dumps(connector.get_connector_properties("env", "10.0.3.2", False, False)))
    elif cmd == "connect":
        state["dev"] = conn.connect_volume(props)
        print(json.dumps(state["dev"]))
    elif cmd == "paths":
        print("\n".join(conn.get_volume_paths(props)))
    elif cmd == "extend":
        print(conn.extend_volume(props))
    elif cmd == "disconnect":
        conn.disconnect_volume(props, state.get("dev"))
        print("disconnected")
    elif cmd == "quit":
        print("bye")
    else:
        raise ValueError("unknown command " + cmd)

print("brick driver ready", flush=True)
while True:
    with open(IN) as f:
        cmd = f.readline().strip()
    out, rc = "", 0
    r, w = os.pipe()
    saved = os.dup(1)
    sys.stdout.flush(); os.dup2(w, 1); os.close(w)
    try:
        do(cmd)
    except Exception:
        traceback.print_exc(file=sys.stdout)
        rc = 1
    sys.stdout.flush(); os.dup2(saved, 1); os.close(saved)
    out = os.read(r, 1 << 20).decode(errors="replace"); os.close(r)
    with open(OUT, "w") as f:
        f.write(out + ("" if out.endswith("\n") or not out else "\n") + f"@@rc {rc}\n")
    if cmd == "quit":
        break
PY
rm -f $IN $OUT; mkfifo $IN $OUT; mkdir -p /run/brick-locks
bg brick python3 /root/brick.py $IN $OUT $T $P
wait_for 60 'grep -q "brick driver ready" /tmp/brick.log'
step "os-brick: get_connector_properties (initiator name read through privsep)" brick properties
expect_out "os-brick: connector properties carry our initiator name" "\"initiator\": \"$INI\""
expect_out "os-brick: connector properties say multipath off" "\"multipath\": false"
step "os-brick: connect_volume() with CHAP against iscsi-targetd on the second guest" brick connect
dev=$(sed -n 's/.*"path": "\([^"]*\)".*/\1/p' /tmp/.vm-last.out)
note "connect_volume returned path $dev"
step_sh "os-brick: connect_volume() returned a block device of the session (not multipath)" \
  "[ -b '$dev' ] && case '$dev' in /dev/sd*) ;; *) exit 1 ;; esac &&
   [ \$(iscsiadm -m session | grep -Ec '$P,1 $T( |\$)') = 1 ] &&
   [ \$(blockdev --getsize64 '$dev') = 67108864 ]"
run iscsiadm -m session -P 3
step_sh "os-brick: CHAP was negotiated (node record and session)" \
  "iscsiadm -m node -T $T -p $P | grep -qx 'node.session.auth.authmethod = CHAP' &&
   iscsiadm -m node -T $T -p $P | grep -qx 'node.session.auth.username = brickuser'"
step_sh "os-brick: 4 MiB written to $dev and read back (O_DIRECT)" \
  "dd if=/dev/urandom of=/tmp/d bs=1M count=4 2>/dev/null && dd if=/tmp/d of=$dev bs=1M oflag=direct 2>/dev/null &&
   dd if=$dev bs=1M count=4 iflag=direct 2>/dev/null | cmp - /tmp/d"
step "os-brick: get_volume_paths()" brick paths
step_sh "os-brick: get_volume_paths() is the by-path link of LUN 0, resolving to $dev" \
  "p=\$(cat /tmp/.vm-last.out) && [ \"\$p\" = /dev/disk/by-path/ip-$P-iscsi-$T-lun-0 ] && [ \"\$(readlink -f \$p)\" = '$dev' ]"
step "os-brick: the target grows the LUN to 128 MiB (iscsi-target on the second guest)" ctl grow
step "os-brick: extend_volume() (sd rescan through sysfs)" brick extend
step_sh "os-brick: extend_volume() returned the new size, the kernel sees 128 MiB" \
  "grep -qx 134217728 /tmp/.vm-last.out && [ \$(blockdev --getsize64 '$dev') = 134217728 ]"
step_sh "os-brick: the data is still there after the resize" "dd if=$dev bs=1M count=4 iflag=direct 2>/dev/null | cmp - /tmp/d"
step "os-brick: disconnect_volume()" brick disconnect
step_sh "os-brick: no session and no node record left" \
  "! iscsiadm -m session 2>/dev/null | grep -q . && [ -z \"\$(ls -A /etc/iscsi/nodes 2>/dev/null)\" ] && [ ! -b '$dev' ]"
step "os-brick: quit" brick quit
stop_bg brick
step_sh "os-brick: no multipath command was run (use_multipath=False)" "! grep -E 'Running cmd \\(subprocess\\): multipath|CMD \"multipath' /tmp/osbrick-debug.log"
note "every iscsiadm call os-brick made, with what it printed (os-brick's debug log):"
run sh -c "grep -oE 'connectors.iscsi \[-\] iscsiadm .*' /tmp/osbrick-debug.log | cut -c1-300"
run grep -E 'WARNING' /tmp/osbrick-debug.log
step_sh "os-brick: no traceback or ERROR in os-brick's log" "! grep -E 'Traceback| ERROR ' /tmp/osbrick-debug.log /tmp/brick.log"

# ---- libvirt: an iscsi storage pool (libvirtd 9.0 from Debian, storage + secret drivers) ----
note "libvirt0 runs the iscsiadm path compiled into it (/usr/bin/iscsiadm); point it at ours"
run ln -sf /usr/local/sbin/iscsiadm /usr/bin/iscsiadm
note "libvirtd's QEMU driver needs the libvirt-qemu user (made by libvirt-daemon-system's postinst)"
run sh -c 'groupadd -r kvm; groupadd -r libvirt-qemu; useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu'
STEP_TIMEOUT=60
lv0=$(_now)
bg libvirtd env LIBVIRT_LOG_FILTERS=1:util.command LIBVIRT_LOG_OUTPUTS=1:stderr libvirtd
# (not `virsh version`: it asks the QEMU driver for an emulator, and the guest has none)
lv_end=$(( $(date +%s) + 90 ))
until virsh -c qemu:///system pool-list --all >/dev/null 2>&1 || [ "$(date +%s)" -ge $lv_end ]; do sleep 1; done
step "libvirt: libvirtd up, virsh connects ($(_since $lv0) s after start)" virsh -c qemu:///system pool-list --all
sd_mark libvirtd_start_s "$(_since $lv0)"
V="virsh -c qemu:///system"
cat > /tmp/secret.xml <<X
<secret ephemeral='no' private='yes'><usage type='iscsi'><target>brickpass</target></usage></secret>
X
cat > /tmp/pool.xml <<X
<pool type='iscsi'>
  <name>brick</name>
  <source>
    <host name='10.0.3.1'/>
    <device path='$T'/>
    <auth type='chap' username='brickuser'><secret usage='brickpass'/></auth>
  </source>
  <target><path>/dev/disk/by-path</path></target>
</pool>
X
step_sh "libvirt: CHAP secret defined (secret-define, secret-set-value)" \
  "u=\$($V secret-define /tmp/secret.xml | awk '{print \$2}') && $V secret-set-value \$u \$(printf brickpass1234 | base64)"
step "libvirt: pool-define (iscsi pool, CHAP)" $V pool-define /tmp/pool.xml
step "libvirt: pool-start (discovery + login through our iscsiadm)" $V pool-start brick
step_sh "libvirt: the pool's session is logged in" "iscsiadm -m session | grep -E '10.0.3.1:3260,1 $T( |\$)'"
step "libvirt: vol-list" $V vol-list brick --details
expect_out "libvirt: vol-list shows LUN 0 by its by-path name" "/dev/disk/by-path/ip-10.0.3.1:3260-iscsi-$T-lun-0"
step_sh "libvirt: the volume has the LUN's size (128 MiB)" "$V vol-info --pool brick unit:0:0:0 --bytes | grep -E 'Capacity: +134217728 bytes'"
step "libvirt: pool-stop: virsh pool-destroy (logout)" $V pool-destroy brick
step_sh "libvirt: no session left after pool-destroy" "! iscsiadm -m session 2>/dev/null | grep -q ."
run $V pool-undefine brick
sd_mark libvirt_total_s "$(_since $lv0)"
note "libvirt part: $(_since $lv0) s from libvirtd start"
stop_bg libvirtd
run sh -c "grep -oE \"(About to run|Child process|unexpected exit).*iscsiadm.*\" /tmp/libvirtd.log | cut -c1-250"
STEP_TIMEOUT=120
step "os-brick: tell the target guest we are done" ctl done
if wait_for 120 'ctl finished'; then ok "os-brick: the target guest reported all its steps"
else not_ok "os-brick: the target guest reported all its steps (no answer in 120 s)"; fi
