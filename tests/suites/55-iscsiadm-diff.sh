#!/usr/bin/env bash
# Differential suite: our iscsiadm against Debian's open-iscsi 2.1.8 iscsiadm, one call per
# test, the calls real consumers make (os-brick, csi-lib-iscsi, democratic-csi, Kubernetes'
# iscsi plugin, libvirt, vdsm, Proxmox, Ansible's open_iscsi). Each side has its own copy of
# the DB; Debian's runs in a private mount namespace with that copy bound over /etc/iscsi, a
# fake sysfs tree (tests/lib/fake-sysfs.sh, the kernel's layout) over /sys, and no iscsid.
# A test compares stdout, the exit code, whether stderr is empty, and the DB tree (names and
# file types). Where open-iscsi needs iscsid, only what it prints without one is compared.
# Runs in its own network namespace (SendTargets responder on loopback). About 80 s idle (up
# to 150 s on a loaded host): each Debian call costs ~0.2 s (it tries to reach iscsid), and 6 s
# go to its retries against a portal that does not answer.
set -uo pipefail
: "${SRC_DIR:?}" "${BUILD_DIR:?}"
if [ -z "${DIFF_IN_NETNS:-}" ]; then
        exec unshare -n env DIFF_IN_NETNS=1 bash "$0" "$@"
fi
ip link set lo up
DEB=/usr/sbin/iscsiadm
OURS="$BUILD_DIR/iscsiadm/iscsiadm"
RESPONDER="$BUILD_DIR/tests/unit-node/st-responder"
if [ ! -x "$DEB" ] || ! "$DEB" -V 2>/dev/null | grep -q 'version 2\.1\.'; then
        echo "1..0 # SKIP Debian's open-iscsi 2.1 iscsiadm is not installed"; exit 0
fi
for f in "$OURS" "$RESPONDER"; do
        if [ ! -x "$f" ]; then
                echo "1..1"; echo "not ok 1 - iscsiadm differential suite: $f not built"; exit 1
        fi
done
if ! unshare -m true 2>/dev/null; then
        echo "1..0 # SKIP needs root for mount namespaces (Debian's iscsiadm has no ISCSI_ROOT)"; exit 0
fi
. "$SRC_DIR/tests/lib/fake-sysfs.sh"

W=$(mktemp -d /tmp/iscsiadm-diff.XXXXXX)
RESP_PIDS=()
cleanup() {
        for p in "${RESP_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
        rm -rf "$W"
}
trap cleanup EXIT
D=$W/deb O=$W/ours S=$W/sys
for r in "$D" "$O"; do
        mkdir -p "$r/etc/iscsi" "$r/lock"
        echo "InitiatorName=iqn.2016-04.com.open-iscsi:diff" > "$r/etc/iscsi/initiatorname.iscsi"
        # Without iscsid, open-iscsi 2.1 does not read iscsid.conf for new records (it asks the
        # daemon) and uses its built-in defaults: give both sides only that, so new records
        # compare, and never start a daemon.
        echo "iscsid.startup = /bin/true" > "$r/etc/iscsi/iscsid.conf"
done
fake_sysfs_init "$S"

deb() {
        unshare -m sh -c 'mount --bind "$0/etc/iscsi" /etc/iscsi && mount --bind "$0/lock" /run/lock &&
                mount --bind "$1" /sys && shift && exec "$@"' "$D" "$S" "$DEB" "$@"
}
ours() {
        ISCSI_ROOT=$O ISCSI_SYSFS_ROOT=$S ISCSID_SOCKET=$W/no-iscsid.sock "$OURS" "$@"
}

# What Debian's iscsiadm says because no iscsid runs here; not part of the comparison.
no_daemon_noise='can not connect to iSCSI daemon|booted with systemd|Failed to connect to bus|Could not look up host.s ifaces via scsi bus'
tree_of() {
        (cd "$1/etc/iscsi" && find . -mindepth 1 ! -name iscsid.conf ! -name initiatorname.iscsi -printf '%y %p\n' | sort)
}

# resync: from here on, our side starts from open-iscsi's DB (which we must read as it is).
resync() {
        rm -rf "$O/etc/iscsi"
        cp -a "$D/etc/iscsi" "$O/etc/iscsi"
}

N=0 FAILED=0
STDERR_CHECK=1  # 0: open-iscsi only reports its own sysfs read errors there
NORM=cat  # filter applied to both stdouts before comparing
# t DESCRIPTION ARGS...: run the call on both sides and compare.
t() {
        local desc=$1; shift
        local drc=0 orc=0 why=
        N=$((N + 1))
        deb "$@" > "$W/d.out" 2> "$W/d.err" || drc=$?
        ours "$@" > "$W/o.out" 2> "$W/o.err" || orc=$?
        grep -Ev "$no_daemon_noise" "$W/d.err" > "$W/d.err2"
        [ "$drc" = "$orc" ] || why+=" exit $drc (open-iscsi) vs $orc (ours);"
        $NORM < "$W/d.out" > "$W/d.norm"; $NORM < "$W/o.out" > "$W/o.norm"
        cmp -s "$W/d.norm" "$W/o.norm" || why+=" stdout differs;"
        if [ "$STDERR_CHECK" = 1 ] && [ -s "$W/d.err2" ] && [ ! -s "$W/o.err" ]; then why+=" open-iscsi writes to stderr, we do not;"; fi
        if [ ! -s "$W/d.err2" ] && [ -s "$W/o.err" ]; then why+=" we write to stderr, open-iscsi does not;"; fi
        [ "$(tree_of "$D")" = "$(tree_of "$O")" ] || why+=" DB trees differ;"
        if [ -z "$why" ]; then
                echo "ok $N - $desc"
        else
                FAILED=$((FAILED + 1))
                echo "not ok $N - $desc:$why"
                {
                        echo "# iscsiadm $*"
                        diff -u "$W/d.norm" "$W/o.norm" | sed 's/^/#   /'
                        sed 's/^/#   open-iscsi stderr: /' "$W/d.err2"
                        sed 's/^/#   our stderr: /' "$W/o.err"
                        diff <(tree_of "$D") <(tree_of "$O") | sed 's/^/#   tree: /'
                } | head -60
        fi
}

# kept DESCRIPTION OUR_EXIT ARGS...: a difference we keep on purpose (iscsiadm/COMPATIBILITY.md):
# ours must exit OUR_EXIT; open-iscsi's exit code is reported. Both DBs continue from
# open-iscsi's state.
kept() {
        local desc=$1 want=$2; shift 2
        local drc=0 orc=0
        N=$((N + 1))
        deb "$@" > /dev/null 2>&1 || drc=$?
        ours "$@" > "$W/o.out" 2> "$W/o.err" || orc=$?
        if [ "$orc" = "$want" ]; then
                echo "ok $N - $desc (kept: ours $orc, open-iscsi $drc)"
        else
                FAILED=$((FAILED + 1))
                echo "not ok $N - $desc: ours exited $orc, expected $want (open-iscsi $drc)"
                sed 's/^/#   our stderr: /' "$W/o.err"
        fi
        resync
}

# start_responder PORT [st-responder args]: a SendTargets portal on 127.0.0.1:PORT.
start_responder() {
        local port=$1; shift
        rm -f "$W/ready"
        "$RESPONDER" -l 127.0.0.1 -p "$port" -r "$W/ready" "$@" &
        RESP_PIDS+=($!)
        for _ in $(seq 100); do [ -e "$W/ready" ] && return 0; sleep 0.05; done
        echo "# st-responder on $port did not start" >&2
}

T1=iqn.2003-01.org.example:t1
T2=iqn.2003-01.org.example:t2
P=127.0.0.1:3260

# --- empty database ---------------------------------------------------------------------
t "empty DB: -m node (os-brick _get_iscsi_nodes)" -m node
t "empty DB: -m session (os-brick, democratic-csi: 21 = no sessions)" -m session
t "empty DB: -m iface" -m iface
t "empty DB: -m iface -o show (csi-lib-iscsi, democratic-csi ListInterfaces)" -m iface -o show
t "empty DB: -m discoverydb -o show -P 1 (os-brick _get_discoverydb_portals)" -m discoverydb -o show -P 1
t "empty DB: -m node -T T -p P (os-brick: 21 before -o new)" -m node -T $T1 -p $P
t "empty DB: -m node --op show -p P (os-brick _get_node_startup_values)" -m node --op show -p $P

t "empty DB: -m iface -P 1" -m iface -P 1
t "empty DB: -m host (no iSCSI hosts)" -m host

resync
# --- static records, as os-brick / csi-lib-iscsi / democratic-csi create them -------------
t "-m node -T T -p P --interface default --op new (os-brick)" -m node -T $T1 -p $P --interface default --op new
t "-m node -T T -p P (show, os-brick)" -m node -T $T1 -p $P
t "-o update -n node.session.scan -v manual: stderr empty (os-brick manual_scan)" \
        -m node -T $T1 -p $P --op update -n node.session.scan -v manual
t "-o update CHAP username/password (os-brick, one call each)" -m node -T $T1 -p $P --op update -n node.session.auth.authmethod -v CHAP
t "-o update node.session.auth.username" -m node -T $T1 -p $P --op update -n node.session.auth.username -v user1
t "-o update node.session.auth.password" -m node -T $T1 -p $P --op update -n node.session.auth.password -v secretsecret1
t "-o update several -n/-v at once (csi-lib-iscsi createCHAPEntries)" -m node -T $T1 -p $P -o update \
        -n node.session.auth.authmethod -v CHAP -n node.session.auth.username -v u2 -n node.session.auth.password -v secretsecret2 \
        -n node.session.auth.username_in -v ui -n node.session.auth.password_in -v secretsecret3
t "-m node -T T -p P -o show: CHAP masked" -m node -T $T1 -p $P -o show
t "-m node -T T -p P -o show -S: CHAP shown" -m node -T $T1 -p $P -o show -S
t "-m node --op show -p P (os-brick startup values)" -m node --op show -p $P
t "--mode node --portal P --target T --op update (libvirt, abbreviated --target)" \
        --mode node --portal $P --target $T1 --op update --name node.startup --value automatic
t "-m node -T T -p P,1 -I default -o new (vdsm, with tpgt)" -m node -T $T2 -p $P,1 -I default -o new
t "-m node (list)" -m node
t "-m node -P 1 (tree)" -m node -P 1
t "-m node -T T -p P,2: tpgt that matches no record" -m node -T $T2 -p $P,2
t "-m node -T T -p P,1: matching tpgt" -m node -T $T2 -p $P,1
t "-m node -T T -p P (record with tpgt, portal without)" -m node -T $T2 -p $P
t "-m node -T T -p P -o update -n iface.net_ifacename: iface key in node mode" \
        -m node -T $T1 -p $P -o update -n iface.net_ifacename -v lo
t "-m node -T T -p P -o update -n no.such.key" -m node -T $T1 -p $P -o update -n no.such.key -v 1
t "-m node -o update -n node.startup -v sometimes: bad enum value" -m node -T $T1 -p $P -o update -n node.startup -v sometimes
kept "-m node -o update -n node.session.cmds_max -v lots: refused (open-iscsi stores 0)" 7 \
        -m node -T $T1 -p $P -o update -n node.session.cmds_max -v lots
t "-m node -T T -p P -o update -n node.name: identity key" -m node -T $T1 -p $P -o update -n node.name -v iqn.x:z
t "-m node -l -o delete: refused combination" -m node -T $T1 -p $P -l -o delete
t "-m node -l -u: refused combination" -m node -T $T1 -p $P -l -u
kept "-m node -o new without -p: refused (open-iscsi adds 127.0.0.1:3260)" 7 -m node -T $T1 -o new
t "-m node -p P -o delete of an unknown target (0/21)" -m node -T iqn.2003-01.org.example:none -p $P -o delete

t "-m node -T T -p P -l without iscsid (os-brick login; both 20)" -m node -T $T1 -p $P --login
t "--mode node --targetname T --op update, no portal (Ansible, Proxmox)" \
        --mode node --targetname $T1 --op=update --name node.startup --value automatic
t "--mode node --targetname T --op update initial_login_retry_max (Proxmox iscsi_login)" \
        --mode node --targetname $T1 --op update --name node.session.initial_login_retry_max --value 0
t "-m session -R without sessions (vdsm session_rescan: 21)" -m session -R
t "-m node -T T -u without sessions (democratic-csi accepts 21)" -m node -T $T1 -p $P -u
t "-m node -T T -R without sessions" -m node -T $T1 -R
t "-m node -U all without sessions" -m node -U all

resync
# --- sessions (fake sysfs; no iscsid on either side) --------------------------------------
fake_sysfs_session "$S" 1 2 $T1 127.0.0.1 3260 1
fake_sysfs_disk "$S" 1 2 0 sdb
fake_sysfs_disk "$S" 1 2 1 sdc
t "-m session (os-brick, csi-lib-iscsi, libvirt, Proxmox parse this)" -m session
t "-m session -r 1" -m session -r 1
t "-m session -r /sys/class/iscsi_session/session1" -m session -r /sys/class/iscsi_session/session1
t "-m session -r 9: unknown sid" -m session -r 9
NORM="sed -E s/(Connection|Internal.iscsid.Session).State:.*/\1State:X/"
t "-m session -P 1 (states from iscsid masked: none runs)" -m session -P 1
t "-m session -P 2" -m session -P 2
t "-m session -P 3 (democratic-csi drops its first two lines)" -m session -P 3
t "-m session -r 1 -P 3" -m session -r 1 -P 3
NORM=cat
t "-m host" -m host
t "-m host -P 1" -m host -P 1
NORM="sed -E s/(Connection|Internal.iscsid.Session).State:.*/\1State:X/"
t "-m host -P 2 (with its sessions)" -m host -P 2
NORM=cat
t "-m node -T T -p P -l with the session there: 15 (os-brick, democratic-csi)" -m node -T $T1 -p $P -l
t "-m session -r 1 -R (libvirt virISCSIRescanLUNs, democratic-csi)" -m session -r 1 -R
t "--mode session --sid 1 --rescan (Proxmox)" --mode session --sid 1 --rescan
t "-m session -R: every session (vdsm)" -m session -R
t "-m session -r 1 -s without iscsid" -m session -r 1 -s
t "-m node -U manual: open-iscsi ignores the mode (not onboot)" -m node -U manual
t "-m node -U all: logout through iscsid (none runs: 21)" -m node -U all
t "-m node -U onboot: refused" -m node -U onboot
t "-m node -T T -p P -u: logout through iscsid (none runs: 21, os-brick accepts)" -m node -T $T1 -p $P -u
t "-m session -r 1 -u" -m session -r 1 -u
t "-o delete while a session of the node is logged in: refused (os-brick)" -m node -T $T1 -p $P -o delete
t "-m node after the refused delete" -m node
fake_sysfs_remove_session "$S" 1 2
fake_sysfs_session "$S" 2 3 $T1 127.0.0.1 3260 1 FAILED down
STDERR_CHECK=0
t "-m session: connection down, portal still shown" -m session
NORM="sed -E s/(Connection|Internal.iscsid.Session).State:.*/\1State:X/"
t "-m session -P 1: connection down" -m session -P 1
NORM=cat STDERR_CHECK=1
fake_sysfs_remove_session "$S" 2 3
t "-m node -T T -p P -o delete (os-brick disconnect)" -m node -T $T1 -p $P -o delete
t "-m node -T T -o delete (csi-lib-iscsi DeleteDBEntry)" -m node -T $T2 -o delete

resync
# --- ifaces (vdsm, Kubernetes, libvirt, csi-lib-iscsi) -------------------------------------
t "-m iface -I default (os-brick reads iface.transport_name)" -m iface -I default
t "-m iface -I nosuch (os-brick accepts 0/2/6)" -m iface -I nosuch
t "-m iface -I if0 --op=new (vdsm)" -m iface -I if0 --op=new
t "-m iface -I if0 -o update -n iface.initiatorname (libvirt)" --mode iface --interface if0 --op update --name iface.initiatorname --value iqn.2016-04.com.example:lv
t "-m iface -I if0 -o update -n iface.net_ifacename" -m iface -I if0 -o update -n iface.net_ifacename -v lo
t "-m iface -I if0 -o update -n iface.ipaddress" -m iface -I if0 -o update -n iface.ipaddress -v 127.0.0.1
t "-m iface -I if0 -o update -n iface.hwaddress" -m iface -I if0 -o update -n iface.hwaddress -v 00:11:22:33:44:55
t "-m iface -I if0 -o update -n iface.transport_name" -m iface -I if0 -o update -n iface.transport_name -v tcp
t "-m iface -I if0 -o update -n node.startup: node key in iface mode" -m iface -I if0 -o update -n node.startup -v manual
# Kubernetes' cloneIface: read one iface with -o show, create another, copy it key by key
# (open-iscsi refuses some keys yet exits 0, and Kubernetes relies on that)
t "-m iface -I if0 -o show (Kubernetes iscsiadmIfaceParams)" -m iface -I if0 -o show
t "-m iface -I k8s-clone -o new (Kubernetes cloneIface)" -m iface -I k8s-clone -o new
ours -m iface -I if0 -o show | grep -v '^#' | while IFS=' = ' read -r key value; do
        [ "$value" = "<empty>" ] && continue
        echo "$key $value"
done > "$W/clone-keys"
while read -r key value; do
        t "-m iface -I k8s-clone -o update -n $key -v $value (cloneIface)" -m iface -I k8s-clone -o update -n "$key" -v "$value"
done < "$W/clone-keys"
t "-m iface -I k8s-clone after the copy" -m iface -I k8s-clone
t "-m iface -I k8s-clone -o delete" -m iface -I k8s-clone -o delete
t "-m iface (libvirt finds its iface by initiator name)" --mode iface
t "-m iface -o show" -m iface -o show
t "-m iface -I if0" -m iface -I if0
t "-m iface -I if0 -o show" -m iface -I if0 -o show
t "-m iface -I if0 -o new again" -m iface -I if0 -o new
t "-m node -T T -p P -I if0 -o new (Kubernetes, csi-lib-iscsi)" -m node -T $T1 -p $P -I if0 -o new
t "-m node -T T -I if0 -p P,1 --op=new (vdsm node_new, with tpgt)" -m node -T $T2 -I if0 -p $P,1 --op=new
t "-m node -T T -I if0 -p P,1 -n -v --op=update (vdsm node_update)" -m node -T $T2 -I if0 -p $P,1 -n node.startup -v manual --op=update
t "-m node -T T -I if0 -p P,1 --op=delete (vdsm node_delete)" -m node -T $T2 -I if0 -p $P,1 --op=delete
t "-m iface -I if0 -n iface.net_ifacename -v lo --op=update (vdsm, options before --op)" -m iface -I if0 -n iface.net_ifacename -v lo --op=update
t "-m node -P 1 with an iface record" -m node -P 1
t "-m iface -P 1 (iface -> target tree)" -m iface -P 1
t "-m node -I if0 (records of one iface)" -m node -I if0
t "-m iface -I if0 -o delete (csi-lib-iscsi DeleteIFace)" -m iface -I if0 -o delete
t "-m node after the iface delete" -m node
t "-m iface -I default -o delete: refused" -m iface -I default -o delete
t "-m iface -I nosuch -o delete" -m iface -I nosuch -o delete

resync
# --- discovery (SendTargets responder on loopback) ----------------------------------------
printf '%s\n' "$T1 127.0.0.1:3261,1" "$T2 127.0.0.1:3261,1 127.0.0.2:3261,2" > "$W/targets"
start_responder 3261 -f "$W/targets"
DP=127.0.0.1:3261
# open-iscsi asks iscsid for the initiator name unless the iface names one: discovery goes
# through an iface "ifd" that does (os-brick passes -I default; the same code path otherwise).
t "-m iface -I ifd -o new (discovery iface)" -m iface -I ifd -o new
t "-m iface -I ifd -o update -n iface.initiatorname" -m iface -I ifd -o update -n iface.initiatorname -v iqn.2016-04.com.open-iscsi:diff
t "-m discovery -t sendtargets -I ifd -p P (os-brick)" -m discovery -t sendtargets -I ifd -p $DP
t "-m discovery -t st -I ifd -p P again: records exist" -m discovery -t st -I ifd -p $DP
t "--mode discovery --type sendtargets --portal P --op nonpersistent (libvirt)" \
        --mode discovery --type sendtargets --portal 127.0.0.1:3261 --interface ifd --op nonpersistent
# open-iscsi lists a portal's targets in readdir order of send_targets/<portal>/: compare sorted
NORM=sort
t "-m discoverydb -o show -P 1 (os-brick regex; lines sorted)" -m discoverydb -o show -P 1
NORM=cat
t "-m discoverydb (list)" -m discoverydb
t "-m node after discovery" -m node
t "-m node -P 1 after discovery" -m node -P 1
t "-m discoverydb -t st -p P -I ifd -o update (os-brick CHAP, record exists)" \
        -m discoverydb -t sendtargets -I ifd -p $DP --op update -n discovery.sendtargets.auth.authmethod -v None
t "-m discoverydb -t st -p OTHER -o update: no record (os-brick expects 6)" \
        -m discoverydb -t sendtargets -I ifd -p 127.0.0.1:3262 --op update -n discovery.sendtargets.auth.authmethod -v CHAP
t "-m discoverydb -t st -p P -o new (csi-lib-iscsi)" -m discoverydb -t sendtargets -p 127.0.0.1:3262 -I ifd -o new
t "-m discoverydb -t st -p P -o show" -m discoverydb -t sendtargets -p 127.0.0.1:3262 -o show
t "-m discoverydb -t st -p P -o delete" -m discoverydb -t sendtargets -p 127.0.0.1:3262 -I ifd -o delete
t "-m discoverydb -t st -p P -I ifd --discover (csi-lib-iscsi)" -m discoverydb -t sendtargets -p $DP -I ifd --discover
t "--mode discoverydb --type sendtargets --portal P --discover (Ansible)" \
        --mode discoverydb --type sendtargets --portal $DP --interface ifd --discover
t "--mode node --targetname T --portal P (Ansible target_isauto)" --mode node --targetname $T1 --portal $DP
t "-m node -p P -T T -I ifd -o update -n node.session.auth.authmethod (Kubernetes)" \
        -m node -p $DP -T $T1 -I ifd -o update -n node.session.auth.authmethod -v CHAP
# CHAP on the discovery session (os-brick, Kubernetes, csi-lib-iscsi set it this way)
start_responder 3265 -f "$W/targets" -u duser -s dsecret123456 -U tuser -S tsecret123456
CP=127.0.0.1:3265
t "-m discoverydb -t st -p P -I ifd -o new (CHAP portal)" -m discoverydb -t sendtargets -p $CP -I ifd -o new
t "-m discoverydb -o update CHAP, one call (os-brick _run_iscsiadm_update_discoverydb)" \
        -m discoverydb -t sendtargets -I ifd -p $CP --op update -n discovery.sendtargets.auth.authmethod -v CHAP \
        -n discovery.sendtargets.auth.username -v duser -n discovery.sendtargets.auth.password -v dsecret123456
t "-m discoverydb -t st -p P -o show: CHAP masked" -m discoverydb -t sendtargets -p $CP -o show
t "-m discoverydb --discover with CHAP: the records move to this portal" -m discoverydb -t sendtargets -I ifd -p $CP --discover
t "-m discoverydb -o update: wrong password" -m discoverydb -t sendtargets -I ifd -p $CP -o update \
        -n discovery.sendtargets.auth.password -v wrongsecret12
t "-m discoverydb --discover: the target refuses our CHAP (vdsm checks 24)" -m discoverydb -t sendtargets -I ifd -p $CP --discover
t "-m discoverydb -o update: mutual CHAP with a secret the target does not know" -m discoverydb -t sendtargets -I ifd \
        -p $CP -o update -n discovery.sendtargets.auth.password -v dsecret123456 \
        -n discovery.sendtargets.auth.username_in -v tuser -n discovery.sendtargets.auth.password_in -v notthetarget1
t "-m discoverydb --discover: the target fails mutual CHAP (19)" -m discoverydb -t sendtargets -I ifd -p $CP --discover
t "-m discoverydb -t st -p P -o delete (CHAP portal)" -m discoverydb -t sendtargets -p $CP -o delete
kept "-m discovery -t st -p P: nothing listening: 4, no record kept (open-iscsi: 11 after 5 retries, keeps it)" 4 \
        -m discovery -t st -I ifd -p 127.0.0.1:3263
# (-t isns against an unreachable server, 25 on both sides, is in 57-isns: open-iscsi waits 10 s)
t "-m iface -I if1 -o new" -m iface -I if1 -o new
t "-m iface -I if1 -o update -n iface.initiatorname" -m iface -I if1 -o update -n iface.initiatorname -v iqn.2016-04.com.open-iscsi:diff
t "-m discovery -t st -p P -I if1 -I ifd: records per iface" -m discovery -t st -p $DP -I if1 -I ifd
t "-m node -P 1 after per-iface discovery" -m node -P 1
t "-m iface -P 1 after per-iface discovery" -m iface -P 1
t "-m discovery -t st -I ifd -p P -P 1" -m discovery -t st -I ifd -p $DP -P 1
t "-m discoverydb -t st -p P -o delete (and its nodes)" -m discoverydb -t sendtargets -p $DP -o delete
t "-m node after discoverydb delete" -m node
printf '%s\n' "$T1 [::1]:3264,1" "$T2 [fe80::1%lo]:3264,1" > "$W/targets6"
start_responder 3264 -f "$W/targets6"
t "-m discovery -t st -I ifd -p P returning IPv6 portals (global, link-local)" -m discovery -t st -I ifd -p 127.0.0.1:3264
t "-m node after IPv6 discovery" -m node
t "-m node -P 1 after IPv6 discovery" -m node -P 1
NORM=sort
t "-m discoverydb -P 1 after IPv6 discovery (lines sorted)" -m discoverydb -P 1
NORM=cat

resync
# --- records of several kinds meeting ---------------------------------------------------
t "-m node -o new: a static record discovery will find too" -m node -T $T1 -p 127.0.0.1:3261,1 -I ifd -o new
t "-m node -o new: a legacy record (no tpgt) discovery will convert" -m node -T $T2 -p 127.0.0.1:3261 -I ifd -o new
t "-m node -o new of an existing record" -m node -T $T2 -p 127.0.0.1:3261 -I ifd -o new
t "-m node -T T (static and legacy records)" -m node -T $T2
t "-m discovery -t st -I ifd -p P: takes over the static record, converts the legacy one" -m discovery -t st -I ifd -p $DP
t "-m node after the takeover" -m node
NORM=sort
t "-m discoverydb -P 1 after the takeover (lines sorted)" -m discoverydb -P 1
NORM=cat
t "-m discovery (list of discovery records)" -m discovery
t "-m node -o update -n node.conn[0].iscsi.HeaderDigest -v CRC32C,None" \
        -m node -T $T1 -o update -n 'node.conn[0].iscsi.HeaderDigest' -v CRC32C,None
t "-m node -o update -n node.session.nr_sessions -v 2" -m node -T $T1 -o update -n node.session.nr_sessions -v 2
t "-m node -T T -o show after the updates" -m node -T $T1 -o show
t "-m node -o new -p localhost:3260 (a host name)" -m node -T $T1 -p localhost:3260 -o new
t "-m node -T T -p localhost" -m node -T $T1 -p localhost
t "-m node -L automatic: nothing automatic" -m node -L automatic
t "-m node -L bogus" -m node -L bogus
t "-m node -U bogus" -m node -U bogus

resync
# --- IPv6 portals -------------------------------------------------------------------------
t "-m node -o new -p [::1]:3260,1" -m node -T $T1 -p '[::1]:3260,1' -o new
t "-m node -o new -p [fe80::1%lo]:3260,1 (link-local with zone)" -m node -T $T2 -p '[fe80::1%lo]:3260,1' -o new
t "-m node -o new -p ::1 (bare IPv6)" -m node -T $T2 -p ::1 -o new
t "-m node (IPv6 list)" -m node
t "-m node -P 1 (IPv6 tree)" -m node -P 1
t "-m node -T T -p [::1]:3260 (show)" -m node -T $T1 -p '[::1]:3260'
t "-m node -T T -p [fe80::1%lo] (show, zone)" -m node -T $T2 -p '[fe80::1%lo]'
fake_sysfs_session "$S" 3 4 $T1 ::1 3260 1
fake_sysfs_session "$S" 4 5 $T2 fe80::1%lo 3260 1
t "-m session (IPv6, link-local)" -m session
NORM="sed -E s/(Connection|Internal.iscsid.Session).State:.*/\1State:X/"
t "-m session -P 1 (IPv6)" -m session -P 1
NORM=cat
fake_sysfs_remove_session "$S" 3 4
fake_sysfs_remove_session "$S" 4 5
echo "1..$N"
exit 0
