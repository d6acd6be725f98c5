# SPDX-License-Identifier: GPL-2.0-or-later
# Target guest of the consumer pair (run-pair.sh consumer-target consumer-osbrick), one boot:
# 1. targetcli / LIO (Debian's targetcli-fb + python3-rtslib-fb, the kernel's LIO):
#    - a saveconfig.json written by our `iscsi-target` is restored by `targetctl restore`; our
#      initiator logs in to LIO with CHAP and reads what was written into the backing file;
#    - a saveconfig.json written by real `targetcli` is served by our iscsi-targetd: load, CHAP
#      login, data read and written;
#    - the keys each side writes for the same configuration are printed (the doc
#      iscsi-target/SAVECONFIG-COMPAT.md lists them).
# 2. os-brick's target: iscsi-targetd.service with a CHAP-protected 64 MiB LUN; sd_ready; then a
#    control channel on 10.0.3.1:9999 lets the initiator guest ask for "grow" (the LUN becomes
#    128 MiB, by iscsi-target commands and a reload) and "done" (the initiator is done); after its
#    last steps this guest answers "finished", so the initiator guest (and with it run-pair.sh,
#    which then powers this guest off) waits until every step here is reported.
# sd-packages: targetcli-fb python3-rtslib-fb dbus
# sd-timeout: 1000
. /usr/local/lib/vmtest/sd-lib.sh
BASE=iqn.2026-12.org.example.consumers
BRICK_INI=$BASE:brick-host
LIO_INI=$BASE:lio-check
DISKS=/var/lib/iscsi_disks
CFG=/sys/kernel/config/target/iscsi
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1; targetctl clear >/dev/null 2>&1'
mkdir -p $DISKS /etc/target/pr /etc/target/alua /etc/rtslib-fb-target/pr /etc/rtslib-fb-target/alua
echo "InitiatorName=$LIO_INI" > /etc/iscsi/initiatorname.iscsi

# pattern FILE OFFSET_MIB: 1 MiB of random data written at OFFSET into FILE, sha256 printed
pattern() {
  dd if=/dev/urandom of=/tmp/pat bs=1M count=1 2>/dev/null
  dd if=/tmp/pat of="$1" bs=1M seek="$2" conv=notrunc 2>/dev/null
  sha256sum < /tmp/pat | cut -d' ' -f1
}
# login_read DESC PORT TARGET SHA: discovery + CHAP login to 127.0.0.1:PORT, wait for the disk,
# step: the first MiB of LUN 0 has SHA; then 1 MiB written at 1 MiB and read back (O_DIRECT)
login_io() {
  li_d=$1 li_port=$2 li_t=$3 li_sha=$4
  step "$li_d: discovery -p 127.0.0.1:$li_port" iscsiadm -m discovery -t st -p 127.0.0.1:$li_port
  run iscsiadm -m node -T $li_t -p 127.0.0.1:$li_port -o update -n node.session.auth.authmethod -v CHAP
  run iscsiadm -m node -T $li_t -p 127.0.0.1:$li_port -o update -n node.session.auth.username -v liouser
  run iscsiadm -m node -T $li_t -p 127.0.0.1:$li_port -o update -n node.session.auth.password -v liopass1234
  step "$li_d: CHAP login" iscsiadm -m node -T $li_t -p 127.0.0.1:$li_port --login
  li_l=/dev/disk/by-path/ip-127.0.0.1:$li_port-iscsi-$li_t-lun-0
  wait_for 30 "[ -b $li_l ]"
  step_sh "$li_d: LUN 0 reads back the data written into its backing file" \
    "[ \"\$(dd if=$li_l bs=1M count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)\" = $li_sha ]"
  step_sh "$li_d: 1 MiB written and read back (O_DIRECT)" \
    "dd if=/dev/urandom of=/tmp/w bs=1M count=1 2>/dev/null && dd if=/tmp/w of=$li_l bs=1M seek=1 oflag=direct 2>/dev/null &&
     dd if=$li_l bs=1M skip=1 count=1 iflag=direct 2>/dev/null | cmp - /tmp/w"
  step "$li_d: logout" iscsiadm -m node -T $li_t -p 127.0.0.1:$li_port --logout
  run iscsiadm -m node -T $li_t -p 127.0.0.1:$li_port -o delete
}

# ---- our saveconfig.json, restored by targetctl into LIO ----------------------------------
OURS=/root/ours.json
step "targetcli: iscsi-target writes a saveconfig.json (fileio + ramdisk LUNs, portal, CHAP ACL)" \
  sh -c "ISCSI_TARGET_CONFIG=$OURS iscsi-target -n -f - <<EOF
/backstores/fileio create ofile $DISKS/ofile.img 32M
/backstores/ramdisk create oram 16M
/iscsi create $BASE:ours
/iscsi/$BASE:ours/tpg1/luns create /backstores/fileio/ofile
/iscsi/$BASE:ours/tpg1/luns create /backstores/ramdisk/oram
/iscsi/$BASE:ours/tpg1/portals delete 0.0.0.0 3260
/iscsi/$BASE:ours/tpg1/portals create 127.0.0.1 3261
/iscsi/$BASE:ours/tpg1/acls create $LIO_INI
/iscsi/$BASE:ours/tpg1/acls/$LIO_INI set auth userid=liouser password=liopass1234
EOF"
sha_ours=$(pattern $DISKS/ofile.img 0)
step "targetcli: targetctl restore of iscsi-target's saveconfig.json" targetctl restore $OURS
run targetcli ls
step_sh "targetcli: LIO has the target, both LUNs, the portal and the CHAP ACL" "
  t=$CFG/$BASE:ours/tpgt_1
  [ -d \$t/lun/lun_0 ] && [ -d \$t/lun/lun_1 ] && [ -d \$t/np/127.0.0.1:3261 ] &&
  [ \"\$(cat \$t/acls/$LIO_INI/auth/userid)\" = liouser ] && [ \"\$(cat \$t/enable)\" = 1 ] &&
  grep -q ofile.img /sys/kernel/config/target/core/fileio_*/ofile/info"
login_io "targetcli: our initiator against LIO restored from our file" 3261 $BASE:ours "$sha_ours"
run targetcli saveconfig /root/lio-of-ours.json
run targetctl clear

# ---- targetcli's saveconfig.json, served by iscsi-targetd --------------------------------
LIO=/root/lio.json
step "targetcli: targetcli configures LIO (fileio LUN, portal 127.0.0.1:3262, CHAP ACL)" sh -c "
  set -e
  targetcli /backstores/fileio create lfile $DISKS/lfile.img 32M
  targetcli /iscsi create $BASE:lio
  targetcli /iscsi/$BASE:lio/tpg1/luns create /backstores/fileio/lfile
  targetcli /iscsi/$BASE:lio/tpg1/portals delete 0.0.0.0 3260
  targetcli /iscsi/$BASE:lio/tpg1/portals create 127.0.0.1 3262
  targetcli /iscsi/$BASE:lio/tpg1/acls create $LIO_INI
  targetcli /iscsi/$BASE:lio/tpg1/acls/$LIO_INI set auth userid=liouser password=liopass1234
  targetcli saveconfig $LIO"
run targetctl clear
run cat $LIO
sha_lio=$(pattern $DISKS/lfile.img 0)
bg liod iscsi-targetd -f -c $LIO -p /run/liod.pid
wait_for 20 'listening 3262'
if listening 3262; then ok "targetcli: iscsi-targetd loads targetcli's saveconfig.json, listens on 127.0.0.1:3262"
else not_ok "targetcli: iscsi-targetd loads targetcli's saveconfig.json, listens on 127.0.0.1:3262"; fi
run cat /tmp/liod.log
login_io "targetcli: our initiator against iscsi-targetd serving targetcli's file" 3262 $BASE:lio "$sha_lio"
if stop_bg liod; then ok "targetcli: iscsi-targetd (targetcli's file) exits 0 on SIGTERM"
else not_ok "targetcli: iscsi-targetd (targetcli's file) exits 0 on SIGTERM"; fi
cat > /root/keydiff.py <<'PY'
import json, sys
def keys(o, path, out):
    if isinstance(o, dict):
        for k, v in o.items():
            out.add(path + "/" + k); keys(v, path + "/" + k, out)
    elif isinstance(o, list):
        for v in o: keys(v, path + "[]", out)
    return out
a, b = (keys(json.load(open(f)), "", set()) for f in sys.argv[1:3])
for k in sorted(a - b): print("only", sys.argv[3] + ":", k)
for k in sorted(b - a): print("only", sys.argv[4] + ":", k)
PY
note "keys only one side writes for the same configuration (iscsi-target's file vs targetcli's re-save of it after targetctl restore):"
run python3 /root/keydiff.py $OURS /root/lio-of-ours.json iscsi-target targetcli
note "targetcli's file re-saved by iscsi-target: keys dropped or added"
run iscsi-target -n -c $LIO saveconfig /root/ours-of-lio.json
run python3 /root/keydiff.py /root/ours-of-lio.json $LIO iscsi-target targetcli

# ---- os-brick's target ---------------------------------------------------------------------
WWN=$(cat /proc/sys/kernel/random/uuid)
step "os-brick target: iscsi-target configures $BASE:brick (64 MiB, CHAP ACL for $BRICK_INI)" \
  sh -c "iscsi-target -n -f - <<EOF
/backstores/fileio create brick $DISKS/brick.img 64M wwn=$WWN
/iscsi create $BASE:brick
/iscsi/$BASE:brick/tpg1/acls create $BRICK_INI
/iscsi/$BASE:brick/tpg1/acls/$BRICK_INI set auth userid=brickuser password=brickpass1234
/iscsi/$BASE:brick/tpg1/luns create /backstores/fileio/brick
EOF"
step "os-brick target: systemctl start iscsi-targetd.service" systemctl start iscsi-targetd.service
cat > /root/grow.sh <<EOF
set -e
iscsi-target -n -f - <<EOS
/iscsi/$BASE:brick/tpg1/luns delete 0
/backstores/fileio delete brick
/backstores/fileio create brick $DISKS/brick.img 128M wwn=$WWN
/iscsi/$BASE:brick/tpg1/luns create /backstores/fileio/brick 0
EOS
iscsi-target saveconfig
iscsi-target ls /iscsi
EOF
cat > /root/ctl.py <<'PY'
# Control channel for the initiator guest: one command per connection, reply "rc N".
import socket, subprocess, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.3.1", 9999)); s.listen(1); s.settimeout(float(sys.argv[1]))
log = open("/tmp/ctl.results", "a")
while True:
    c, _ = s.accept(); f = c.makefile("rw")
    cmd = f.readline().strip()
    rc = 0
    if cmd == "grow":
        p = subprocess.run(["sh", "/root/grow.sh"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        rc = p.returncode; print(p.stdout.decode(), flush=True)
    print(f"{cmd} {rc}", file=log, flush=True); print(f"control: {cmd} -> rc {rc}", flush=True)
    f.write(f"rc {rc}\n"); f.flush(); c.close()
    if cmd in ("done", "finished"):
        break
PY
: > /tmp/ctl.results
sd_ready
sd_next stay
note "serving os-brick's initiator; control channel on 10.0.3.1:9999"
STEP_TIMEOUT=820
run python3 /root/ctl.py 800
STEP_TIMEOUT=120
step_sh "os-brick target: the LUN was grown to 128 MiB on the initiator's request (iscsi-target + reload)" \
  "grep -qx 'grow 0' /tmp/ctl.results && [ \$(stat -c %s $DISKS/brick.img) = 134217728 ]"
step_sh "os-brick target: the initiator reported its end (done)" "grep -qx 'done 0' /tmp/ctl.results"
run journalctl -b -u iscsi-targetd.service --no-pager -o short-monotonic
note "tell the initiator guest this scenario is finished (run-pair.sh then ends this guest)"
run python3 /root/ctl.py 120
