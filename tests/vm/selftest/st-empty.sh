#!/bin/sh
# Harness self-test: reports nothing at all.
# vm-timeout: 30
. /lib/vm/lib.sh
