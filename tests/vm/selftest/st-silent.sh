#!/bin/sh
# Harness self-test: one passing step, then the script dies without reporting a failure.
# vm-timeout: 30
. /lib/vm/lib.sh
step "true passes" true
exit 3
