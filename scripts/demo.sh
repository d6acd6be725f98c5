#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's first command: installs the dependencies, builds, and replays the user's
# walk-through (targetcli-style target setup, CHAP, discovery, login, parted, mkfs.xfs, mount,
# data, logout, login again) with this project's target and initiator inside a VM running
# Debian's cloud kernel (qemu, no KVM needed), showing the guest's commands and their output.
#
# Env: SKIP_DEPS=1 skips apt-get; BUILD_DIR (default ./build); VM_CACHE (kernel cache,
#      default ./.cache/vm). Exit status 0 only if every step of the walk-through passed.
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
LOG_DIR=${DEMO_OUT:-$SRC_DIR/tests-out/demo}
export SRC_DIR BUILD_DIR
cd "$SRC_DIR" || exit 1
mkdir -p "$LOG_DIR"

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' N=$'\e[0m'; else B="" G="" R="" Y="" N=""; fi
say() { printf '%s==> %s%s\n' "$B" "$*" "$N"; }
die() { printf '%sDEMO FAILED: %s%s\n' "$R$B" "$*" "$N"; exit 1; }

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  say "Installing dependencies (scripts/install-deps.sh; log: $LOG_DIR/deps.log)"
  scripts/install-deps.sh >"$LOG_DIR/deps.log" 2>&1 || { tail -20 "$LOG_DIR/deps.log"; die "dependency installation failed"; }
fi

say "Building ($BUILD_DIR; log: $LOG_DIR/build.log)"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  meson setup "$BUILD_DIR" >"$LOG_DIR/build.log" 2>&1 || { tail -30 "$LOG_DIR/build.log"; die "meson setup failed"; }
fi
ninja -C "$BUILD_DIR" >>"$LOG_DIR/build.log" 2>&1 || { tail -30 "$LOG_DIR/build.log"; die "build failed"; }

cat <<TXT
${B}==> Replaying the walk-through in a VM${N}
    Debian's cloud kernel boots under qemu (software emulation, ~10 s); inside it, this
    project's iscsi-targetd serves a 512 MiB fileio disk on 127.0.0.1:3260 configured with
    iscsi-target as the walk-through does with targetcli, and this project's iscsid/iscsiadm log
    in through the kernel's iscsi_tcp. Lines starting with \$ are commands run in the guest.
    (The first run downloads Debian's cloud kernel package, ~27 MB, into .cache/vm.)

TXT
start=$(date +%s)
VM_OUT=$LOG_DIR/vm "$SRC_DIR/tests/vm/run.sh" --live walkthrough 2>"$LOG_DIR/vm.log" | tee "$LOG_DIR/walkthrough.tap" \
  | grep -vE '^(ok|not ok) [0-9]+ |^# ' | sed -E "s/^(    )(\\$ .*)/\\1$B\\2$N/; s/^  \\[ok\\]/  ${G}[ok]${N}/; s/^  \\[FAILED\\]/  ${R}[FAILED]${N}/"
secs=$(( $(date +%s) - start ))

tap=$LOG_DIR/walkthrough.tap
pass=$(grep -cE '^ok [0-9]+' "$tap" | head -1)
skipped=$(grep -ciE '^ok [0-9]+ .*# skip' "$tap" | head -1)
fail=$(grep -cE '^not ok [0-9]+' "$tap" | head -1)
echo
if [ "$skipped" -gt 0 ] && [ "$fail" -eq 0 ]; then
  printf '%sDEMO NOT RUN: %s%s\n' "$Y$B" "$(grep -m1 -iE '# skip' "$tap" | sed 's/.*# SKIP //')" "$N"
  exit 1
fi
if [ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]; then
  printf '%sDEMO PASSED: all %d steps of the walk-through passed in the VM (%ds).%s\n' "$G$B" "$pass" "$secs" "$N"
  echo "Transcript: $LOG_DIR/vm/transcript-walkthrough.txt"
  exit 0
fi
printf '%sDEMO FAILED: %d of %d steps failed (%ds):%s\n' "$R$B" "$fail" "$((pass + fail))" "$secs" "$N"
grep -E '^not ok' "$tap" | sed 's/^/  /'
echo "Logs: $LOG_DIR/vm.log (console tail at its end), $LOG_DIR/vm/console.log, $LOG_DIR/vm/transcript-walkthrough.txt"
exit 1
