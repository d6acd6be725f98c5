# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Harness self-check: two boots; the first writes a file and reboots, the second finds it.
# sd-boots: 2
# sd-timeout: 60
. /usr/local/lib/vmtest/sd-lib.sh
case $VM_BOOT in
  1)
    step "systemd is PID 1" sh -c '[ "$(cat /proc/1/comm)" = systemd ]'
    step "project installed by meson install" test -x /usr/local/sbin/iscsiadm
    run sh -c 'echo persisted > /var/tmp/vmtest-selftest'
    sd_next reboot ;;
  2)
    step "file from boot 1 is still there" grep -qx persisted /var/tmp/vmtest-selftest ;;
esac
