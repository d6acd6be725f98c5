# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced by systemd-guest scenarios (tests/vm/sd/scenarios/*.sh), bash. Brings in the step API
# of tests/vm/guest/lib.sh (step, step_sh, step_rc, run, ok, not_ok, skip, wait_for, expect_out,
# bg, at_exit, ...) and adds:
#   VM_BOOT                  this boot's number (1, 2, ...): a scenario is a case over it
#   sd_next reboot|poweroff|poweroff-boot|stay   what the runner does after this boot's part
#                            (default poweroff = the last boot); reboot (systemctl reboot) and
#                            poweroff-boot (systemctl poweroff): the host boots the same disk
#                            again with VM_BOOT+1; stay: the guest keeps running (a target)
#   sd_shutdown_max SECS DESC   the host checks that this boot's shutdown (from the runner's
#                            systemctl call to the kernel's "reboot: Power down") takes < SECS:
#                            one TAP step "DESC: ... within SECS s" 
#   sd_ready                 tell the host this guest is ready (run-pair.sh starts the peer)
#   sd_mark KEY VALUE...     a "@@MARK KEY VALUE" line for the host (timings: the suite prints them)
#   unit_state UNIT          ActiveState of UNIT (active, inactive, failed, ...)
#   boot_userspace_seconds   systemd's userspace boot time (what `systemd-analyze time` calls
#                            userspace: from systemd's start to the end of the boot job), in s
#   expect_journal_order DESC BOOT PATTERN...   ok iff each extended regex PATTERN matches a line of
#                            `journalctl -b BOOT -o short-monotonic`, in this order
# Our programs are installed (meson install) in /usr/sbin; the repo's etc/ is not in the guest.
. /usr/local/lib/vmtest/lib.sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VM_BOOT=${VM_BOOT:-1}

sd_next() { echo "$1" > /run/vmtest/next; }
sd_shutdown_max() { _chan "@@SHUTDOWN_MAX $VM_SCENARIO $1 $2"; }
sd_ready() { _chan "@@READY $VM_SCENARIO $(_now)"; }
sd_mark() { _chan "@@MARK $VM_SCENARIO $*"; }
unit_state() { systemctl show -P ActiveState "$1"; }
boot_userspace_seconds() {
  awk -v a="$(systemctl show -P UserspaceTimestampMonotonic)" -v b="$(systemctl show -P FinishTimestampMonotonic)" \
    'BEGIN { if (a > 0 && b > a) printf "%.3f\n", (b - a) / 1e6 }'
}

# Line number of the first line after FROM that matches PATTERN in FILE (0 if none).
_first_match_after() {
  awk -v from="$1" -v re="$2" 'NR > from && $0 ~ re { print NR; found=1; exit } END { if (!found) print 0 }' "$3"
}

expect_journal_order() {
  _d=$1 _b=$2; shift 2
  journalctl -b "$_b" -o short-monotonic --no-pager > /tmp/.vm-journal 2>&1
  _at=0 _ok=1
  for _p in "$@"; do
    _n=$(_first_match_after "$_at" "$_p" /tmp/.vm-journal)
    if [ "$_n" = 0 ]; then
      say "no line matching /$_p/ after line $_at"; _ok=0; break
    fi
    say "line $_n: $(sed -n "${_n}p" /tmp/.vm-journal)"
    _at=$_n
  done
  if [ $_ok = 1 ]; then ok "$_d"; else not_ok "$_d"; fi
}
