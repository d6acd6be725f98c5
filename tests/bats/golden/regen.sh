#!/bin/bash
# Regenerate the golden outputs from Debian's open-iscsi 2.1.8 iscsiadm (run as root).
# It runs in a private mount namespace with a temp dir bound over /etc/iscsi.
set -euo pipefail
cd "$(dirname "$0")"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
echo "iscsid.startup = /bin/true" > "$D/iscsid.conf"
deb() { unshare -m sh -c 'mount --bind "$0" /etc/iscsi && exec /usr/sbin/iscsiadm "$@"' "$D" "$@" 2>/dev/null; }
T1=iqn.2003-01.org.example:t1
T2=iqn.2003-01.org.example:t2
deb -m node -o new -T $T1 -p 127.0.0.1:3260,1 > node-new.txt
deb -m node -o new -T $T2 -p 127.0.0.1 > /dev/null
deb -m node -o new -T $T2 -p '[::1]:3261,2' > /dev/null
deb -m node -T $T1 -o update -n node.session.auth.username -v user
deb -m node -T $T1 -o update -n node.session.auth.password -v s3cret
deb -m node > node-list.txt
deb -m node -P 1 > node-tree.txt
deb -m node -T $T1 -o show > node-show.txt
deb -m node -T $T1 -o show -S > node-show-secrets.txt
cp "$D/nodes/$T1/127.0.0.1,3260,1/default" node-file.txt
deb -m iface > iface-list.txt
deb -m iface -I default -o show > iface-show.txt
deb -m discoverydb -t st -p 127.0.0.1:3260 -o new > discoverydb-new.txt
deb -m discoverydb -t st -p 127.0.0.1:3260 -o show > discoverydb-show.txt
cp "$D/send_targets/127.0.0.1,3260/st_config" st-config-file.txt
deb -m discovery > discovery-list.txt
