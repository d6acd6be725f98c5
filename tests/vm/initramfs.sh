#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the test VM's initramfs: busybox, the kernel modules for iSCSI + sd + xfs, Debian's
# open-iscsi / tgt / parted / xfsprogs, the project's own binaries from $BUILD_DIR, the /init
# that runs scenarios, and the scenario scripts themselves.
#
#   initramfs.sh OUTPUT.cpio.gz SCENARIO_FILE...
# Env: KDIR, KVER (from kernel.sh), SRC_DIR, BUILD_DIR.
# Logs on stderr. Fails (non-zero) if something the guest cannot do without is missing.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin   # modprobe, depmod
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
VM_DIR=$SRC_DIR/tests/vm
out=$1; shift
: "${KDIR:?KDIR not set (run kernel.sh)}" "${KVER:?KVER not set}"

stage=$(mktemp -d "${TMPDIR:-/tmp}/vm-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib64,lib/vm,etc,proc,sys,dev,tmp,run,mnt,root,scenarios,var/lib,opt/iscsi-tools/sbin,usr/share/iscsi-tools}
ln -s ../run "$stage/var/run"
ln -s ../run/lock "$stage/var/lock"

# busybox applets as symlinks; never the applet "busybox" itself (it would overwrite the
# binary with a self-link and the kernel fails /init with ELOOP).
cp /bin/busybox "$stage/bin/busybox"
for a in $(/bin/busybox --list); do
  [ "$a" = busybox ] && continue
  [ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"
done

# Copies an ELF with every library ldd names, and the loader, to the same paths in the image.
copy_libs() {
  local f=$1 lib
  for lib in $(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}'); do
    [ -e "$stage$lib" ] && continue
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done
}
copy_bin() {  # copy_bin SRC DEST_PATH_IN_IMAGE
  mkdir -p "$stage$(dirname "$2")"
  cp -L "$1" "$stage$2"
  copy_libs "$1"
}

# Debian's reference initiator and target live apart, in /opt/debian/sbin and /opt/tgt/sbin, so a scenario with the
# project's tools can never run one of them by accident (same names: iscsid, iscsiadm).
# What the walk-through runs besides (parted, mkfs.xfs) stays in /usr/sbin.
for b in /usr/sbin/iscsid /usr/sbin/iscsiadm /usr/sbin/iscsi-iname /usr/sbin/iscsistart /usr/sbin/tgtd /usr/sbin/tgtadm; do
  [ -x "$b" ] || { echo "initramfs.sh: missing $b on the host (scripts/install-deps.sh)" >&2; exit 1; }
  case $b in */tgt*) d=/opt/tgt/sbin ;; *) d=/opt/debian/sbin ;; esac
  copy_bin "$b" "$d/$(basename "$b")"
done
# open-isns (iSNS server and client) for the isns-* scenarios, in /opt/isns/sbin; optional.
for b in /usr/sbin/isnsd /usr/sbin/isnsadm; do
  [ -x "$b" ] && copy_bin "$b" "/opt/isns/sbin/$(basename "$b")"
done
# iproute2's ip and tc: network namespaces, veth pairs and netem for the network-fault scenarios;
# dmsetup: device-mapper error/zero tables for the failing-backing-store scenario.
for b in /usr/sbin/parted /usr/sbin/mkfs.xfs /usr/sbin/xfs_repair /usr/sbin/ip /usr/sbin/tc /usr/sbin/dmsetup; do
  [ -x "$b" ] || { echo "initramfs.sh: missing $b on the host (scripts/install-deps.sh)" >&2; exit 1; }
  copy_bin "$b" "$b"
done
# Debian's open-iscsi configuration, as the package installs it, minus the systemctl autostart.
mkdir -p "$stage/usr/share/iscsi-debian"
sed 's|^iscsid.startup = .*|# iscsid.startup: started by the scenario|' /etc/iscsi/iscsid.conf \
  > "$stage/usr/share/iscsi-debian/iscsid.conf"

# The project's binaries (whatever is built; a missing one makes its scenario steps fail).
found=""
for name in iscsid iscsiadm iscsi-targetd iscsi-target iscsi-iname iscsistart; do
  f=$(find "$BUILD_DIR" -path "$BUILD_DIR/meson-*" -prune -o -type f -name "$name" -perm -u+x -print 2>/dev/null | head -1)
  if [ -n "$f" ]; then
    copy_bin "$f" "/opt/iscsi-tools/sbin/$name"
    found="$found $name"
  fi
done
echo "initramfs.sh: project binaries:${found:- none}" >&2
# Test helpers built with the project, in /opt/iscsi-tools/test: tcp-corrupt (a relay that flips
# bits past TCP's checksum, for the digest steps of netem.sh).
for name in tcp-corrupt; do
  f=$BUILD_DIR/tests/$name
  [ -x "$f" ] && copy_bin "$f" "/opt/iscsi-tools/test/$name"
done
# The project's configuration files (etc/ in the repo), as a user would install them.
if [ -d "$SRC_DIR/etc" ]; then
  find "$SRC_DIR/etc" -maxdepth 1 -type f ! -name meson.build -exec cp {} "$stage/usr/share/iscsi-tools/" \;
fi

# Kernel modules: the dependency chain of each wanted module, in load order.
want="virtio_pci virtio_net scsi_mod scsi_transport_iscsi libiscsi libiscsi_tcp iscsi_tcp sd_mod crc32c_intel libcrc32c xfs veth sch_netem dm-mod dm-zero"
mods=$(for m in $want; do modprobe -d "$KDIR" -S "$KVER" --show-depends "$m"; done \
       | awk '$1=="insmod"{print $2}' | awk '!seen[$0]++')
mroot=/lib/modules/$KVER
: > "$stage/etc/vm-modules"
for p in $mods; do
  rel=${p#"$KDIR"}
  mkdir -p "$stage$(dirname "$rel")"
  cp "$p" "$stage$rel"
  echo "$rel" >> "$stage/etc/vm-modules"
done
# Modules a scenario loads itself (modprobe), never at boot: iscsi_ibft fails without an iBFT;
# virtio_blk for a guest given a disk (VM_DRIVE).
optional="iscsi_ibft virtio_blk"
for p in $(for m in $optional; do modprobe -d "$KDIR" -S "$KVER" --show-depends "$m"; done \
           | awk '$1=="insmod"{print $2}' | awk '!seen[$0]++'); do
  rel=${p#"$KDIR"}
  [ -e "$stage$rel" ] && continue
  mkdir -p "$stage$(dirname "$rel")"
  cp "$p" "$stage$rel"
done
cp "$KDIR$mroot"/modules.{order,builtin,builtin.modinfo} "$stage$mroot/" 2>/dev/null || true
depmod -b "$stage" "$KVER"

# No udev in the guest: devtmpfs makes the nodes, so "udevadm settle" (parted) has nothing to wait for.
printf '#!/bin/sh\n# no udev in this guest: devtmpfs creates the device nodes, nothing to settle\nexit 0\n' > "$stage/bin/udevadm"
chmod 0755 "$stage/bin/udevadm"

# Users (open-iscsi's iscsid checks the IPC peer's user name), hosts, mtab.
echo 'root:x:0:0:root:/root:/bin/sh' > "$stage/etc/passwd"
echo 'root:x:0:' > "$stage/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$stage/etc/hosts"
echo vm > "$stage/etc/hostname"
ln -s ../proc/self/mounts "$stage/etc/mtab"

install -m 0755 "$VM_DIR/guest/init" "$stage/init"
for f in "$VM_DIR"/guest/*.sh; do install -m 0644 "$f" "$stage/lib/vm/$(basename "$f")"; done
# The plan: scenario name and its time limit ("# vm-timeout: SECONDS" in the script, else 300).
: > "$stage/etc/vm-plan"
for s in "$@"; do
  install -m 0755 "$s" "$stage/scenarios/$(basename "$s")"
  t=$(sed -n 's/^# vm-timeout: *\([0-9]*\).*/\1/p' "$s" | head -1)
  echo "$(basename "$s" .sh) ${t:-300}" >> "$stage/etc/vm-plan"
done
echo "$KVER" > "$stage/etc/vm-kernel"

(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --owner=0:0) \
  | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
echo "initramfs.sh: $(du -h "$out" | cut -f1) $out" >&2
