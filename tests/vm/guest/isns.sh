# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Sourced by the isns-* scenarios after lib.sh: Debian's open-isns server on the guest's loopback.
#   start_isnsd PERIOD     isnsd -f (no DSA auth, default discovery domain), wait for port 3205
#   isnsadm_ ARGS          isnsadm against it
#   isns_nodes             the iSCSI names the server holds, one per line
ISNSBIN=/opt/isns/sbin

start_isnsd() {
  mkdir -p /tmp/isns
  cat > /tmp/isns/isnsd.conf <<EOC
SourceName = isns.server.vm
Database = /tmp/isns/db
PIDFile = /tmp/isns/isnsd.pid
ControlSocket = /tmp/isns/ctl
Security = 0
RegistrationPeriod = $1
DefaultDiscoveryDomain = 1
EOC
  cat > /tmp/isns/isnsadm.conf <<EOC
ServerAddress = 127.0.0.1:3205
ControlSocket = /tmp/isns/ctl
Security = 0
SourceName = iqn.2005-03.org.open-iscsi:isnsadm
EOC
  bg isnsd $ISNSBIN/isnsd -f -c /tmp/isns/isnsd.conf
  wait_for 10 'listening 3205'
}

isnsadm_() { $ISNSBIN/isnsadm -c /tmp/isns/isnsadm.conf "$@"; }
isns_nodes() { isnsadm_ --list nodes 2>/dev/null | sed -n 's/.*iSCSI name = "\(.*\)"/\1/p'; }
