# SPDX-License-Identifier: GPL-2.0-or-later
# "boot root on iscsi (iBFT)": no ISCSI_* values, only ISCSI_AUTO=true and an iBFT from qemu:
# iscsistart -N configured eth0 from it, iscsistart -b logged in to the target it names.
. /usr/local/lib/rootboot/boot-lib.sh
expect_root_on_iscsi
step_sh "eth0 has the iBFT's address" "ip -4 addr show eth0 | grep -q 'inet 10.0.3.2/24'"
step_sh "iscsiadm -m fw shows the firmware's target" "iscsiadm -m fw | tee /dev/stderr | grep -qx 'node.name = $TGT'"
next poweroff
