# SPDX-License-Identifier: GPL-2.0-or-later
# The comparison boot: the same image, kernel and initramfs from a local virtio disk.
. /usr/local/lib/rootboot/boot-lib.sh
step_sh "/ is the local disk" "findmnt -n -o SOURCE / | grep -q vda"
mark boot "$(systemd-analyze time | tr "\n" " ")"
next poweroff
