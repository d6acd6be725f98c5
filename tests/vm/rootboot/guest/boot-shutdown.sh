# SPDX-License-Identifier: GPL-2.0-or-later
# "root session kept at shutdown": boots 2-4 of one machine (boot 1 is boot-cmdline.sh; three
# reboots in all; boot 4 goes on with boot-restart.sh, which powers off). Each boot checks
# the root session and every earlier boot's data, writes its own, and reads the previous boot's
# journal: the shutdown went to its end ("Reached target ... Power-Off/Reboot") without any
# logout of the root session (open-iscsi needed its PR 186 for this).
. /usr/local/lib/rootboot/boot-lib.sh
expect_root_on_iscsi
data_check
if [ "$VM_BOOT" -gt 1 ]; then
  # (the runner's own transcript lines are in the journal too: leave them out)
  journalctl -b -1 -o short-monotonic --no-pager 2>&1 | grep -v ' runner\[' > /tmp/prev.system
  step_sh "previous boot's shutdown reached its end" "grep -E 'Reached target .*(Reboot|Power-Off|Final Step)' /tmp/prev.system | tail -2; grep -qE 'Reached target .*(Reboot|Power-Off|Final Step)' /tmp/prev.system"
  step_sh "previous boot: iscsid stopped leaving the session in the kernel" "grep -F 'sessions stay in the kernel' /tmp/prev.system"
  step_sh "previous boot never logged out the root session" "! grep -iE 'logout|logging out' /tmp/prev.system"
fi
data_write
next reboot
