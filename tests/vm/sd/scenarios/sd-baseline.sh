# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# "boot with no nodes", the reference boot: the same image without the project (run with
# SD_PACKAGE=0 and the initiator's NIC setup); records systemd's userspace boot time so that
# 65-systemd.sh can print the ratio with / without the package.
# sd-timeout: 120
. /usr/local/lib/vmtest/sd-lib.sh
step_sh "boot with no nodes: reference image has none of our programs or units" \
  '! command -v iscsiadm && ! test -e /lib/systemd/system/iscsid.socket'
step_sh "boot with no nodes: reference boot reached running" '[ "$(systemctl is-system-running)" = running ]'
run systemd-analyze time
sd_mark userspace_without_package "$(boot_userspace_seconds)"
