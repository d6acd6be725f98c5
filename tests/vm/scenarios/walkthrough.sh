#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Scenario 1: the user's walk-through (/work/shared/seed-walkthrough.txt) with the project's
# own stack, target and initiator in one guest on 127.0.0.1 (the guest has no other network).
# The steps are in guest/seed.sh; every step is one TAP line.
# vm-timeout: 420
. /lib/vm/lib.sh
. /lib/vm/seed.sh
step_sh "the project's binaries are in the VM image" "cd $OURS && ls -l iscsi-target iscsi-targetd iscsiadm iscsid"
seed_target
seed_initiator 127.0.0.1
seed_stop_target
true
