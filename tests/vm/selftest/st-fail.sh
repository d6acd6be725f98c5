#!/bin/sh
# Harness self-test: a failing step, then one that passes.
# vm-timeout: 30
. /lib/vm/lib.sh
step "false fails" false
step "true passes" true
