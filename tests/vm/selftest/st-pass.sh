#!/bin/sh
# Harness self-test: passing steps (one printing a last line without a newline), one expected
# exit code, one skip.
# vm-timeout: 30
. /lib/vm/lib.sh
step "true passes" true
step "output without a final newline" printf 'first\nlast-line-no-newline'
expect_out "the last line is kept" "last-line-no-newline"
step_rc 3 "exit 3 expected" sh -c 'exit 3'
skip "a skipped step" "because the self-test says so"
