#!/usr/bin/env bash
# Installs every Debian 12 package the build, the tests, the demo and the benchmarks need.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential meson ninja-build pkg-config clang python3 \
  libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libsystemd-dev libmount-dev \
  libssl-dev libisal-dev liburing-dev libjson-c-dev libcmocka-dev libkmod-dev \
  bats bats-support bats-assert \
  qemu-system-x86 qemu-utils busybox-static kmod cpio xz-utils zstd \
  tgt open-iscsi libiscsi-bin parted xfsprogs fdisk iperf3 iproute2 procps psmisc dmsetup \
  >/dev/null
# man pages (scdoc), bash completion (its .pc and _init_completion for the bats tests), the
# systemd guest of tests/vm/sd (mmdebstrap, mkfs.ext4 -d / debugfs from e2fsprogs).
$SUDO apt-get install -y -qq --no-install-recommends \
  scdoc bash-completion mmdebstrap e2fsprogs \
  >/dev/null
# iSNS peer for tests/suites/57-isns.sh and the isns-* VM scenarios: Debian's open-isns
# (isnsd, isnsadm; the suite runs its own isnsd in a private network namespace).
$SUDO apt-get install -y -qq --no-install-recommends \
  open-isns-server open-isns-utils \
  >/dev/null
