#!/bin/sh
# Harness self-test: two passing steps, one expected exit code, one skip.
# vm-timeout: 30
. /lib/vm/lib.sh
step "true passes" true
step_rc 3 "exit 3 expected" sh -c 'exit 3'
skip "a skipped step" "because the self-test says so"
