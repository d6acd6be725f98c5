#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetches Debian's cloud kernel (the host kernel has no SCSI, so the kernel path is tested in a
# VM) and unpacks it into $VM_CACHE/kernel/<version>/ with a depmod'ed module tree.
# Reused across runs. Prints "KVER=<version>" and "KDIR=<dir>" on stdout; logs on stderr.
# Exit 0 on success; 77 when the kernel cannot be obtained (callers turn that into SKIP).
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin   # modprobe, depmod
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
VM_CACHE=${VM_CACHE:-$SRC_DIR/.cache/vm}
mkdir -p "$VM_CACHE/kernel"

# The version: explicit, else whatever the metapackage points at, else the newest cached one.
kver=${VM_KERNEL_VERSION:-}
if [ -z "$kver" ]; then
  kver=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null \
         | sed -n 's/^ *Depends: linux-image-\(.*-cloud-amd64\)$/\1/p' | head -1 || true)
fi
if [ -z "$kver" ]; then
  kver=$(ls -1 "$VM_CACHE/kernel" 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$kver" ]; then
  echo "kernel.sh: cannot tell the cloud kernel version (apt-cache depends linux-image-cloud-amd64)" >&2
  exit 77
fi

kdir=$VM_CACHE/kernel/$kver
# Several run.sh may start at once (60-vm.sh runs two guests): one fetches, the others wait.
exec 9>"$VM_CACHE/kernel/.lock"
flock 9
# (config: initramfs-tools' mkinitramfs reads it; entries cached before it was kept are redone)
if [ ! -f "$kdir/.complete" ] || [ ! -f "$kdir/config" ]; then
  echo "kernel.sh: fetching linux-image-$kver" >&2
  tmp=$(mktemp -d "$VM_CACHE/kernel/.dl.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # apt's sandbox user cannot write into root-owned dirs; download where _apt may write.
  chmod 0777 "$tmp"
  if ! (cd "$tmp" && apt-get download -q "linux-image-$kver" >&2); then
    echo "kernel.sh: apt-get download linux-image-$kver failed" >&2
    exit 77
  fi
  deb=$(ls "$tmp"/linux-image-*.deb | head -1)
  mkdir -p "$tmp/root"
  dpkg -x "$deb" "$tmp/root"
  if [ ! -f "$tmp/root/boot/vmlinuz-$kver" ]; then
    echo "kernel.sh: $deb has no /boot/vmlinuz-$kver" >&2
    exit 77
  fi
  # Debian ships modules under /lib/modules (usrmerge may move them to /usr/lib/modules).
  mdir=$tmp/root/lib/modules
  [ -d "$mdir/$kver" ] || mdir=$tmp/root/usr/lib/modules
  rm -rf "$kdir"
  mkdir -p "$kdir/lib/modules"
  cp "$tmp/root/boot/vmlinuz-$kver" "$kdir/vmlinuz"
  cp "$tmp/root/boot/config-$kver" "$kdir/config"
  mv "$mdir/$kver" "$kdir/lib/modules/$kver"
  depmod -b "$kdir" "$kver"
  touch "$kdir/.complete"
  rm -rf "$tmp"
  trap - EXIT
fi
flock -u 9
echo "KVER=$kver"
echo "KDIR=$kdir"
