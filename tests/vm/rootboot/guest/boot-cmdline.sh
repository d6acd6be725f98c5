# SPDX-License-Identifier: GPL-2.0-or-later
# "boot root on iscsi (cmdline)": the initramfs (initramfs-tools + our hook and script) took
# ISCSI_* from the kernel command line, logged in with iscsistart, mounted root from the LUN.
# Boot 1 of the machine whose boots 2-4 are boot-shutdown.sh's.
. /usr/local/lib/rootboot/boot-lib.sh
expect_root_on_iscsi
data_write
next reboot   # the same machine goes on with "root session kept at shutdown" (boots 2-4)
