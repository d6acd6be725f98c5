#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The walk-through on two machines, initiator side: this guest is 192.168.219.102 and runs the
# walk-through's initiator half against the target host 192.168.219.101 (seed-target.sh), so
# discovery prints the seed's own line "192.168.219.101:3260,1 iqn.2022-08.com.test:dlp.target01".
# vm-pair: seed-target seed-initiator
# vm-timeout: 420
# vm-append: vm.ip=192.168.219.102/24
. /lib/vm/lib.sh
. /lib/vm/seed.sh
TARGET_HOST=192.168.219.101
# Registered first, so it runs last: tell the target host we are done (it then powers off).
at_exit "echo done | nc -w 5 $TARGET_HOST 9999 >/dev/null 2>&1 || { sleep 2; echo done | nc -w 5 $TARGET_HOST 9999; }"
step_sh "network: eth0 is 192.168.219.102/24" "ip -4 addr show dev eth0 | grep 'inet 192.168.219.102/24'"
step "network: the target host answers ping" ping -c 1 -W 10 $TARGET_HOST
# The target host configures itself meanwhile; wait for its portal. A refused or timed-out
# connect makes nc exit 1; a connection the target keeps open is cut by timeout (143).
wait_for 180 "timeout 3 nc -w 2 $TARGET_HOST 3260 </dev/null; [ \$? -ne 1 ]"
seed_initiator $TARGET_HOST
true
