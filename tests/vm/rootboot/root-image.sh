#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The diskless initiator's root filesystem for the boot scenarios: Debian 12 (systemd, udev,
# initramfs-tools) from Debian's registry with mmdebstrap, cached as a tarball keyed by the
# package list, this script and the kernel; per run the project is installed into it with
# `meson install --destdir` (the initramfs-tools hook and script included), the test runner
# added, and initramfs-tools' own mkinitramfs (chroot) builds the initrd that carries our
# iscsistart. Output in OUT: root.raw (ext4, label "isroot": the LUN the target serves, or a
# local disk for the comparison boot), initrd.img, vmlinuz.
#
#   tests/vm/rootboot/root-image.sh OUT
# Env: BUILD_DIR, VM_CACHE (kernel.sh), RB_CACHE (default $SRC_DIR/.cache/rootboot),
#      SD_MIRROR (default http://deb.debian.org/debian). Exit 77 when it cannot be built (SKIP).
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
RB_DIR=$SRC_DIR/tests/vm/rootboot
out=$1
RB_CACHE=${RB_CACHE:-$SRC_DIR/.cache/rootboot}
mkdir -p "$out" "$RB_CACHE"
command -v mmdebstrap >/dev/null || { echo "root-image.sh: mmdebstrap not installed" >&2; exit 77; }
kinfo=$("$SRC_DIR/tests/vm/kernel.sh") || exit 77
eval "$kinfo"   # KVER KDIR

# systemd guest + initramfs-tools (klibc's ipconfig for ip=, busybox) + our programs' libraries.
pkgs="systemd-sysv udev util-linux iproute2 kmod procps initramfs-tools klibc-utils busybox
libnl-3-200 libnl-genl-3-200 libmount1 libssl3 libisal2 liburing2 libjson-c5 libkmod2"
# The key: packages, kernel and the build recipe (bump "recipe" when the mmdebstrap call changes).
recipe=1
key=$( { echo $pkgs; echo "$KVER"; echo "$recipe"; } | sha256sum | cut -c1-16)
tar=$RB_CACHE/rootfs-$key.tar
exec 9>"$RB_CACHE/.lock-$key"
flock 9
if [ ! -f "$tar" ]; then
  echo "root-image.sh: building $tar (kernel $KVER)" >&2
  mmdebstrap --variant=apt --mode=root --quiet --include="$(echo $pkgs | tr ' ' ',')" \
    --customize-hook="mkdir -p \"\$1/usr/lib/modules\" && cp -a '$KDIR/lib/modules/$KVER' \"\$1/usr/lib/modules/\"" \
    --customize-hook='echo vm > "$1/etc/hostname"' \
    --customize-hook='chroot "$1" passwd -d root' \
    --customize-hook='rm -f "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*_Packages' \
    bookworm "$RB_CACHE/partial-$key.tar" "${SD_MIRROR:-http://deb.debian.org/debian}" >&2 || exit 77
  mv "$RB_CACHE/partial-$key.tar" "$tar"
fi
flock -u 9

tree=$out/tree
rm -rf "$tree"; mkdir -p "$tree"
tar -C "$tree" -xf "$tar"
cp "$KDIR/config" "$tree/boot/config-$KVER"   # mkinitramfs checks the compressors the kernel has
# The project as a package installs it, units enabled as its postinst would (enabling the socket
# enables iscsid-sessions.path, which starts iscsid because the initramfs left a session).
meson install -C "$BUILD_DIR" --no-rebuild --quiet --destdir "$tree" >&2
SYSTEMD_OFFLINE=1 systemctl --root="$tree" --quiet enable iscsid.socket iscsi-init.service >&2
# Installed under /usr/local when the build's prefix is: initramfs-tools only reads /usr/share.
if [ -d "$tree/usr/local/share/initramfs-tools" ]; then
  cp -a "$tree/usr/local/share/initramfs-tools/." "$tree/usr/share/initramfs-tools/"
fi
mkdir -p "$tree/etc/iscsi"
echo "InitiatorName=iqn.2026-12.org.example.vm:rootboot" > "$tree/etc/iscsi/initiatorname.iscsi"
cp "$SRC_DIR/etc/iscsid.conf" "$tree/etc/iscsi/iscsid.conf"
printf 'LABEL=isroot / ext4 rw,errors=remount-ro 0 1\n' > "$tree/etc/fstab"
# initramfs-tools: MODULES=dep cannot see a root device in a chroot; list what the boot needs.
printf 'MODULES=list\nCOMPRESS=gzip\n' > "$tree/etc/initramfs-tools/conf.d/rootboot"
printf '%s\n' virtio_pci virtio_net virtio_blk ext4 > "$tree/etc/initramfs-tools/modules"

# The test runner (lib.sh's step API, markers on ttyS1), started once the boot is done.
h=$tree/usr/local/lib/rootboot
mkdir -p "$h"
install -m 0644 "$SRC_DIR/tests/vm/guest/lib.sh" "$h/lib.sh"
install -m 0755 "$RB_DIR/guest/runner" "$h/runner"
install -m 0644 "$RB_DIR"/guest/boot-*.sh "$h/"
install -m 0644 "$RB_DIR/guest/rootboot-test.service" "$tree/etc/systemd/system/"
ln -sf ../rootboot-test.service "$tree/etc/systemd/system/multi-user.target.wants/rootboot-test.service"

mount -t proc proc "$tree/proc"
trap 'umount "$tree/proc" 2>/dev/null' EXIT
rc=0
chroot "$tree" mkinitramfs -o /boot/initrd.img "$KVER" >&2 || rc=$?
umount "$tree/proc"
trap - EXIT
[ $rc = 0 ] || { echo "root-image.sh: mkinitramfs failed" >&2; exit 1; }
mv "$tree/boot/initrd.img" "$out/initrd.img"
cp "$KDIR/vmlinuz" "$out/vmlinuz"
lsinitramfs "$out/initrd.img" 2>/dev/null | grep -E 'sbin/iscsistart$|local-top/iscsi$|iscsi_tcp.ko|iscsi_ibft.ko' >&2 || true
rm -f "$out/root.raw"
mkfs.ext4 -q -F -L isroot -d "$tree" "$out/root.raw" 2G >&2
rm -rf "$tree"
echo "root-image.sh: $(du -h --apparent-size "$out/root.raw" | cut -f1) root, $(du -h "$out/initrd.img" | cut -f1) initrd" >&2
