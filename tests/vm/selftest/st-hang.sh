#!/bin/sh
# Harness self-test: hangs past its limit.
# vm-timeout: 3
. /lib/vm/lib.sh
step "true passes" true
sleep 60
