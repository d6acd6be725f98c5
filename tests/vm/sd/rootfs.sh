#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds (or finds in the cache) the systemd guest's base image: a Debian 12 root filesystem from
# Debian's registry (mmdebstrap --variant=apt), the cloud kernel's modules, systemd-networkd
# enabled, passwordless root, as an ext4 image made with `mkfs.ext4 -d` (no loop, no mount), and a
# busybox initrd that loads virtio and switch_roots into /dev/vda. Our project is NOT in it:
# image.sh adds `meson install --destdir` output per run.
#
#   tests/vm/sd/rootfs.sh [EXTRA_PACKAGE...]
# Prints ROOTFS_DIR=<cache entry> (base.raw, initrd.gz, vmlinuz, KVER) on stdout; logs on stderr.
# The cache key hashes the package list (tests/vm/sd/packages + EXTRA_PACKAGEs), this script and
# the kernel version, so a change of any of them builds a new entry; others are reused.
# Env: SD_CACHE (default /var/cache/iscsi-tools if writable, else $SRC_DIR/.cache/sd),
#      VM_CACHE (kernel.sh's cache), SD_MIRROR (default http://deb.debian.org/debian).
# Exit 77 when the image cannot be built (no mmdebstrap, no registry): callers SKIP.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
SD_DIR=$SRC_DIR/tests/vm/sd
if [ -z "${SD_CACHE:-}" ]; then
  SD_CACHE=/var/cache/iscsi-tools
  mkdir -p "$SD_CACHE" 2>/dev/null && [ -w "$SD_CACHE" ] || SD_CACHE=$SRC_DIR/.cache/sd
fi
mkdir -p "$SD_CACHE"
command -v mmdebstrap >/dev/null || { echo "rootfs.sh: mmdebstrap not installed" >&2; exit 77; }

kinfo=$("$SRC_DIR/tests/vm/kernel.sh") || exit 77
eval "$kinfo"   # KVER KDIR

pkgs=$( { sed 's/#.*//' "$SD_DIR/packages"; printf '%s\n' "$@"; } | tr ' ' '\n' | sed '/^$/d' | sort -u)
key=$( { echo "$pkgs"; echo "$KVER"; cat "$0"; } | sha256sum | cut -c1-16)
dir=$SD_CACHE/rootfs-$key
exec 9>"$SD_CACHE/.lock-$key"
flock 9
if [ ! -f "$dir/.complete" ]; then
  echo "rootfs.sh: building $dir ($(echo "$pkgs" | wc -l) packages, kernel $KVER)" >&2
  t0=$(date +%s)
  rm -rf "$dir"; mkdir -p "$dir"
  tree=$dir/tree
  # Customize hooks: modules of the cloud kernel, hostname, fstab (root read-write), no root
  # password (serial login), systemd-networkd for the two-guest network.
  mmdebstrap --variant=apt --mode=root --quiet \
    --include="$(echo $pkgs | tr ' ' ',')" \
    --customize-hook="mkdir -p \"\$1/usr/lib/modules\" && cp -a '$KDIR/lib/modules/$KVER' \"\$1/usr/lib/modules/\"" \
    --customize-hook='echo vm > "$1/etc/hostname"' \
    --customize-hook='printf "/dev/vda / ext4 rw,errors=remount-ro 0 1\n" > "$1/etc/fstab"' \
    --customize-hook='chroot "$1" passwd -d root' \
    --customize-hook='chroot "$1" systemctl enable systemd-networkd.service' \
    --customize-hook='rm -f "$1"/var/cache/apt/*.bin "$1"/var/lib/apt/lists/*_Packages' \
    bookworm "$tree" "${SD_MIRROR:-http://deb.debian.org/debian}" >&2 || exit 77
  mkfs.ext4 -q -F -L root -d "$tree" "$dir/base.raw" 3G >&2
  # initrd: busybox, virtio block modules, mount /dev/vda, switch_root to systemd.
  ird=$dir/initrd
  mkdir -p "$ird/bin" "$ird/lib/modules" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/newroot"
  cp /bin/busybox "$ird/bin/busybox"
  for a in sh mount umount insmod switch_root sleep cat; do ln -s busybox "$ird/bin/$a"; done
  mods=""
  for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
    f=$(modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}' | tail -1)
    cp "$f" "$ird/lib/modules/"
    mods="$mods $(basename "$f")"
  done
  cat > "$ird/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in$mods; do insmod /lib/modules/\$m; done
n=0; while [ ! -b /dev/vda ] && [ \$n -lt 100 ]; do sleep 0.05; n=\$((n + 1)); done
mount -o ro /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; sleep 2; exit 1; }
umount /proc /sys; mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/init
INIT
  chmod 755 "$ird/init"
  (cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$dir/initrd.gz"
  rm -rf "$ird" "$tree"
  cp "$KDIR/vmlinuz" "$dir/vmlinuz"
  echo "$KVER" > "$dir/KVER"
  echo "$pkgs" > "$dir/packages"
  touch "$dir/.complete"
  echo "rootfs.sh: built in $(( $(date +%s) - t0 )) s" >&2
fi
echo "ROOTFS_DIR=$dir"
