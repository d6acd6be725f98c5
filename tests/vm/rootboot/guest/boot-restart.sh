# SPDX-License-Identifier: GPL-2.0-or-later
# "root survives target restart": a writer appends numbered records to a file on the root fs,
# each fsynced, while the target guest stops its daemon for 10 s and starts it again (asked
# over the pair network): root I/O pauses, the kernel reports the connection error, iscsid
# reconnects, the writes go on, no record is lost and no I/O error reaches the filesystem.
# Runs after boot-shutdown.sh in the machine's fourth boot (its checks made already).
. /usr/local/lib/rootboot/boot-lib.sh
mkdir -p $DATA
rm -f /run/rb-stop $DATA/log
( i=0; while [ ! -e /run/rb-stop ]; do printf 'record %06d\n' $i >> $DATA/log; sync $DATA/log; i=$((i + 1)); sleep 0.1; done ) &
writer=$!
records() { wc -l < $DATA/log 2>/dev/null || echo 0; }
wait_for 30 '[ "$(records)" -ge 5 ]'
step "ask the target guest to restart its daemon" bash -c "echo restart > /dev/tcp/10.0.3.1/9999"
wait_for 60 "dmesg | grep -q 'detected conn error'" && ok "the kernel saw the connection drop" || not_ok "the kernel saw the connection drop"
wait_for 90 "journalctl -u iscsid -o cat | grep -q 'operational after recovery'" && ok "iscsid reconnected (operational after recovery)" || not_ok "iscsid reconnected (operational after recovery)"
after=$(records)
wait_for 60 "[ \$(records) -ge $((after + 10)) ]" && ok "writes go on after the recovery ($after records before, 10 more after)" || not_ok "writes go on after the recovery (stuck at $(records) records)"
touch /run/rb-stop
wait $writer
step_sh "records in order, none lost" "wc -l < $DATA/log; awk '{ if (\$2 + 0 != NR - 1) { print \"gap at line \" NR; exit 1 } }' $DATA/log"
step_sh "no I/O error on the root disk" "! dmesg | grep -iE 'I/O error|EXT4-fs error|Buffer I/O'"
journalctl -u iscsid -o cat --no-pager | tail -5
next poweroff
