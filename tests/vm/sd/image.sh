#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Makes one guest's disk: a sparse copy of the cached base image (rootfs.sh) into which debugfs
# writes (no loop device, no mount)
#   - the project exactly as `meson install --destdir` puts it (unless SD_PACKAGE=0), with the
#     units enabled the way a package's postinst does it (`systemctl --root=... enable`);
#   - the test harness: vmtest.service + runner, lib.sh, sd-lib.sh, the scenario;
#   - with SD_IP=ADDR/PREFIX and SD_MAC: a systemd-networkd .network file for the pair network.
#
#   tests/vm/sd/image.sh OUT_DIR SCENARIO_FILE
# Writes OUT_DIR/disk.raw and OUT_DIR/boot.env (ROOTFS_DIR=...: vmlinuz, initrd.gz); logs on stderr.
# Env: BUILD_DIR (meson build dir to install from; default $SRC_DIR/build), SD_PACKAGE (1),
#      SD_ENABLE (units to enable, default "iscsid.socket iscsi-init.service"), SD_IP, SD_MAC.
# Exit 77 when the base image cannot be had (callers SKIP), 1 on other errors.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
SD_DIR=$SRC_DIR/tests/vm/sd
out=$1 scenario=$2
mkdir -p "$out"

extra=$(sed -n 's/^# sd-packages: *//p' "$scenario" | tr '\n' ' ')
rinfo=$("$SD_DIR/rootfs.sh" $extra)   # exit 77 passes through
eval "$rinfo"
echo "ROOTFS_DIR=$ROOTFS_DIR" > "$out/boot.env"

stage=$out/stage
rm -rf "$stage"; mkdir -p "$stage"
if [ "${SD_PACKAGE:-1}" = 1 ]; then
  meson install -C "$BUILD_DIR" --no-rebuild --quiet --destdir "$stage" >&2
  # What a distribution package's postinst does (deb-systemd-helper enable).
  SYSTEMD_OFFLINE=1 systemctl --root="$stage" --quiet enable ${SD_ENABLE:-iscsid.socket iscsi-init.service} >&2
fi
h=$stage/usr/local/lib/vmtest
mkdir -p "$h" "$stage/etc/systemd/system/multi-user.target.wants"
install -m 0755 "$SD_DIR/guest/runner" "$h/runner"
install -m 0644 "$SRC_DIR/tests/vm/guest/lib.sh" "$SD_DIR/guest/sd-lib.sh" "$h/"
install -m 0644 "$scenario" "$h/scenario.sh"
install -m 0644 "$SD_DIR/guest/vmtest.service" "$stage/etc/systemd/system/vmtest.service"
ln -sf ../vmtest.service "$stage/etc/systemd/system/multi-user.target.wants/vmtest.service"
if [ -n "${SD_IP:-}" ]; then
  mkdir -p "$stage/etc/systemd/network"
  printf '[Match]\nMACAddress=%s\n\n[Network]\nAddress=%s\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
    "$SD_MAC" "$SD_IP" > "$stage/etc/systemd/network/10-vmtest.network"
fi

# The image is merged-/usr: /lib, /bin, /sbin are links into /usr, which debugfs does not follow.
guest_path() {
  case $1 in
    lib/*|bin/*|sbin/*|lib64/*) echo "/usr/$1" ;;
    lib|bin|sbin|lib64) echo "/usr/$1" ;;
    *) echo "/$1" ;;
  esac
}
cmds=$out/debugfs.cmds
: > "$cmds"
(cd "$stage" && find . -mindepth 1 -printf '%y %m %P\n%l\n') | while read -r type mode rel; do
  read -r link
  g=$(guest_path "$rel")
  d=$(dirname "$g") b=$(basename "$g")
  case $type in
    d) echo "mkdir $g"; echo "sif $g mode 040$mode" ;;
    f) echo "cd $d"; echo "rm $b"; echo "write $stage/$rel $b"; echo "sif $g mode 0100$mode"
       echo "sif $g uid 0"; echo "sif $g gid 0" ;;
    l) echo "cd $d"; echo "rm $b"; echo "symlink $b $link" ;;
  esac
done >> "$cmds"
cp --sparse=always "$ROOTFS_DIR/base.raw" "$out/disk.raw"
debugfs -w -f "$cmds" "$out/disk.raw" > "$out/debugfs.log" 2>&1
# debugfs reports errors but exits 0: "mkdir: ... exists" and "rm: ... not found" are expected.
if grep -v 'File exists\|File not found by ext2_lookup\|^debugfs [0-9]' "$out/debugfs.log" | grep -qi 'error\|invalid\|cannot\|could not'; then
  grep -i 'error\|invalid\|cannot\|could not' "$out/debugfs.log" | head -20 >&2
  echo "image.sh: debugfs failed" >&2
  exit 1
fi
echo "image.sh: $(find "$stage" -type f | wc -l) files injected into $out/disk.raw" >&2
