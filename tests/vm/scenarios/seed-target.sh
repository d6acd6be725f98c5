#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The walk-through on two machines, as the user ran it: this guest is the target host
# 192.168.219.101 (the seed's address, on a network that exists only between the two guests).
# iscsi-target replays the targetcli commands; iscsi-targetd serves the default portal
# 0.0.0.0:3260, so SendTargets must advertise the address the initiator connected to.
# Runs with seed-initiator.sh through tests/vm/run-pair.sh; ends when the initiator says so.
# vm-pair: seed-target seed-initiator
# vm-timeout: 480
# vm-append: vm.ip=192.168.219.101/24
. /lib/vm/lib.sh
. /lib/vm/seed.sh
step_sh "network: eth0 is 192.168.219.101/24" "ip -4 addr show dev eth0 | grep 'inet 192.168.219.101/24'"
seed_target
note "=== waiting for the initiator host (192.168.219.102) to finish"
STEP_TIMEOUT=420 step "the initiator host reported its end" nc -l -p 9999
step_sh "iscsi-targetd still running" "kill -0 $PID_iscsi_targetd"
seed_stop_target
true
