#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Soak (issue 14, "Soak and scale"): our iscsi-targetd serves 16 targets in the guest, our
# iscsid + iscsiadm log in to all 16; one verified writer per disk runs for SOAK_SECONDS while
# iscsi-targetd is killed (SIGKILL) and started again every 60 s and iscsid every 90 s (the new
# one must adopt all 16 sessions from sysfs). bench/soak.sh runs the same script for 30 minutes.
#
# Writer (one per disk, busybox sh + dd): a pool of random 64 KiB blocks with their md5 sums;
# each round picks a slot of the disk's first SLOTS * 64 KiB, reads the slot back (O_DIRECT) and
# compares it with what was last written there, then writes another pool block there
# (O_DIRECT + fsync). The block depends on disk, slot and round, so a lost, stale or misplaced
# write shows up as a mismatch. At the end every slot of every disk is read back once more.
# A failed dd is an I/O error; the longest round (read + write) is the writer's worst pause.
#
# RSS (VmRSS) and open fds of both daemons are taken right after each (re)start (all sessions
# LOGGED_IN again, 5 s of I/O) and right before its next kill (or at the end for the last
# instance). Asserted: growth <= 1 MiB and 0 fds over each instance's life, and between the
# first and the last instance at both points. "SOAK key value" lines are for bench/soak.sh.
# vm-timeout: 600
# vm-start-early: about 5.5 min of one guest (tests/suites/60-vm.sh starts it right after baseline)
. /lib/vm/lib.sh
SOAK_SECONDS=${SOAK_SECONDS:-180}
N=16
SLOTS=64
POOL=61
TARGET_EVERY=60
ISCSID_EVERY=90
INI=iqn.2026-12.org.example.vm:soak
PFX=iqn.2026-12.org.example.vm:soak-t
S=/tmp/soak
export PATH=$OURS:$PATH
mkdir -p $S /var/lib/iscsi_disks

up_cs() { read -r _u _ < /proc/uptime; echo "${_u%.*}${_u#*.}"; }
# usage PID: "VmRSS FDS RssAnon RssFile RssShmem" (KiB). VmRSS includes the pages of the tmpfs
# backing files that iscsi-targetd maps to send reads from the page cache (file pages, not a
# leak): the growth limit applies to RssAnon, the process' own memory, and to the fds.
usage() {
  _fds=$(ls "/proc/$1/fd" | wc -l)
  awk -v fds="$_fds" '{v[$1] = $2}
    END {print v["VmRSS:"], fds, v["RssAnon:"], v["RssFile:"], v["RssShmem:"]}' "/proc/$1/status"
}
all_logged_in() {
  [ "$(cat /sys/class/iscsi_session/session*/state 2>/dev/null | grep -cx LOGGED_IN)" = $N ]
}
# record WHO INSTANCE POINT PID: one "WHO INSTANCE POINT VmRSS FDS RssAnon RssFile RssShmem"
# line in $S/usage; the fd table in $S/fd.WHO.INSTANCE.POINT (shown when the count grew)
record() {
  echo "$1 $2 $3 $(usage "$4")" >> $S/usage
  ls -l "/proc/$4/fd" | awk '{print $NF}' | sed 's/\[[0-9]*\]$//' | sort > "$S/fd.$1.$2.$3"
  awk '/^[0-9a-f]+-[0-9a-f]+ / {k = $1 " " ($6 == "" ? "[anon]" : $6)} /^Rss:/ {print k, $2}' \
    "/proc/$4/smaps" > "$S/smaps.$1.$2.$3"
}

# --- target: 16 targets, one 16 MiB LUN and an ACL each, saved for every restart
cfg=""
i=1
while [ $i -le $N ]; do
  cfg="$cfg iscsi-target /backstores/fileio create d$i /var/lib/iscsi_disks/soak$i.img 16M &&
    iscsi-target /iscsi create $PFX$i &&
    iscsi-target /iscsi/$PFX$i/tpg1/luns create /backstores/fileio/d$i &&
    iscsi-target /iscsi/$PFX$i/tpg1/acls create $INI &&"
  i=$((i + 1))
done
STEP_TIMEOUT=300 step_sh "our target: $N targets with a 16 MiB LUN each, saveconfig" "$cfg iscsi-target saveconfig"

tgt_n=0
start_target() {
  tgt_n=$((tgt_n + 1))
  iscsi-targetd -f >> $S/targetd.log 2>&1 < /dev/null &
  tgt_pid=$!
  wait_for 20 'listening 3260'
}
isd_n=0
start_iscsid() {
  isd_n=$((isd_n + 1))
  mkdir -p /run/iscsid
  iscsid -f > $S/iscsid.$isd_n.log 2>&1 < /dev/null &
  isd_pid=$!
}
at_exit 'kill $tgt_pid $isd_pid 2>/dev/null; tail -n 30 $S/targetd.log $S/iscsid.$isd_n.log'

if start_target; then ok "iscsi-targetd listens on 3260"; else not_ok "iscsi-targetd listens on 3260"; fi
our_iscsi_config "$INI"
start_iscsid
wait_for 15 "test -S /run/iscsid/iscsid.sock"
at_exit 'iscsiadm -m node -U all >/dev/null 2>&1'
before=$(disks)
step "discovery finds the $N targets" iscsiadm -m discovery -t sendtargets -p 127.0.0.1
step "login to all $N (--loginall=all)" iscsiadm -m node --loginall=all
if wait_for 60 "[ \$(new_disks \"$before\" | wc -l) = $N ] && all_logged_in"; then ok "$N sessions LOGGED_IN, $N disks"
else not_ok "$N sessions LOGGED_IN, $N disks ($(new_disks "$before" | wc -l) disks)"; fi
sids0=$(ls /sys/class/iscsi_session | sort | tr '\n' ' ')

# --- writers
i=0
while [ $i -lt $POOL ]; do
  dd if=/dev/urandom of=$S/pool.$i bs=64k count=1 2>/dev/null
  echo "sum_$i='$(md5sum < $S/pool.$i)'" >> $S/sums
  i=$((i + 1))
done
cat > $S/writer.sh <<'W'
# writer.sh DEV INDEX: rounds until $S/stop exists; summary in $S/w.INDEX
. /tmp/soak/sums
S=/tmp/soak dev=/dev/$1 k=$2
rounds=0 errors=0 mismatches=0 verified=0 maxp=0 s=0 gen=0
up_cs() { read -r _u _ < /proc/uptime; echo "${_u%.*}${_u#*.}"; }
check() {  # check SLOT BLOCK: slot reads back as BLOCK
  if ! dd if=$dev of=$S/rd.$k bs=64k skip=$1 count=1 iflag=direct 2>/dev/null; then
    errors=$((errors + 1)); echo "read error, slot $1" >> $S/w.$k.log; return
  fi
  eval "want=\$sum_$2"
  if [ "$(md5sum < $S/rd.$k)" = "$want" ]; then verified=$((verified + 1))
  else mismatches=$((mismatches + 1)); echo "MISMATCH slot $1 (want block $2)" >> $S/w.$k.log; fi
}
while [ ! -e $S/stop ]; do
  t0=$(up_cs)
  eval "last=\${b_$s:-}"
  [ -n "$last" ] && check $s "$last"
  b=$(( (gen * 7 + s * 3 + k * 5) % POOL_N ))
  if dd if=$S/pool.$b of=$dev bs=64k seek=$s count=1 oflag=direct conv=fsync,notrunc 2>/dev/null; then
    eval "b_$s=$b"
  else
    errors=$((errors + 1)); eval "b_$s="; echo "write error, slot $s" >> $S/w.$k.log
  fi
  p=$(( $(up_cs) - t0 )); [ $p -gt $maxp ] && maxp=$p
  rounds=$((rounds + 1)); s=$((s + 1))
  [ $s = SLOTS_N ] && { s=0; gen=$((gen + 1)); }
done
s=0; map=""
while [ $s -lt SLOTS_N ]; do eval "map=\"\$map \${b_$s:--}\""; s=$((s + 1)); done
echo "$rounds $errors $mismatches $verified $maxp$map" > $S/w.$k
W
sed -i "s/POOL_N/$POOL/; s/SLOTS_N/$SLOTS/g" $S/writer.sh
wpids=""
k=0
for d in $(new_disks "$before"); do
  sh $S/writer.sh "$d" $k > /dev/null 2>&1 < /dev/null &
  wpids="$wpids $!"
  echo "$k $d" >> $S/disks
  k=$((k + 1))
done
[ $k = $N ] && ok "$N verified writers started" || not_ok "$N verified writers started ($k)"

# --- the soak: restarts on schedule, usage at both ends of every daemon's life
sleep 10
record iscsid 1 start $isd_pid
record targetd 1 start $tgt_pid
t_start=$(up_cs)
next_t=$TARGET_EVERY next_i=$ISCSID_EVERY
t_fail=0 i_fail=0 adopt_fail=0
el() { echo $(( ($(up_cs) - t_start) / 100 )); }
# worst KEY CS: keeps the largest CS (centiseconds) seen for KEY in $S/worst.KEY
worst() { [ "$2" -gt "$(cat "$S/worst.$1" 2>/dev/null || echo 0)" ] && echo "$2" > "$S/worst.$1"; }
cs_str() { echo "$(($1 / 100)).$(printf %02d $(($1 % 100)))"; }
settle() {  # wait for all sessions, then 5 s of I/O
  wait_for 90 all_logged_in || return 1
  sleep 5
}
while :; do
  now=$(( ($(up_cs) - t_start) / 100 ))
  next=$next_t; [ $next_i -lt $next ] && next=$next_i
  [ $next -ge "$SOAK_SECONDS" ] && next=$SOAK_SECONDS
  [ $now -lt $next ] && { sleep $((next - now)); continue; }
  [ $now -ge "$SOAK_SECONDS" ] && break
  if [ $now -ge $next_t ]; then
    wait_for 90 all_logged_in
    record targetd $tgt_n end $tgt_pid
    kill -KILL $tgt_pid; wait $tgt_pid 2>/dev/null
    k0=$(up_cs)
    echo "[soak] $(el)s (due at ${next_t}s): iscsi-targetd #$tgt_n killed"
    wait_for 10 '! all_logged_in'  # the kernel saw the connections fail (the writers are busy)
    if start_target && wait_for 90 all_logged_in; then
      worst target_recovery $(($(up_cs) - k0))
      echo "[soak] $(el)s: iscsi-targetd #$tgt_n up, all $N sessions LOGGED_IN again"
      sleep 5
      record targetd $tgt_n start $tgt_pid
    else t_fail=$((t_fail + 1)); echo "[soak] target #$tgt_n: sessions did not recover"; fi
    next_t=$((next_t + TARGET_EVERY))
  fi
  if [ $now -ge $next_i ]; then
    wait_for 90 all_logged_in
    record iscsid $isd_n end $isd_pid
    kill -KILL $isd_pid; wait $isd_pid 2>/dev/null
    echo "[soak] $(el)s (due at ${next_i}s): iscsid #$isd_n killed"
    k0=$(up_cs)
    start_iscsid
    if wait_for 30 "[ \$(grep -c 'adopted session' $S/iscsid.$isd_n.log) = $N ]"; then
      worst iscsid_adoption $(($(up_cs) - k0))
      echo "[soak] $(el)s: iscsid #$isd_n adopted all $N sessions"
    else adopt_fail=$((adopt_fail + 1)); echo "[soak] iscsid #$isd_n adopted $(grep -c 'adopted session' $S/iscsid.$isd_n.log) sessions"; fi
    # ... and serves one of them (stats over its IPC socket; one session per restart, in turn:
    # an iscsiadm call costs seconds under TCG). The first IPC connection also makes sd-event
    # create its CLOCK_MONOTONIC timerfd, which the first instance has had since its logins, so
    # the fd counts compare alike.
    sid=$(echo $sids0 | awk -v n=$isd_n '{print $(n % NF + 1)}')
    if iscsiadm -m session -r "${sid#session}" -s > $S/stats.out 2>&1 && grep -q txdata_octets $S/stats.out; then
      echo "[soak] $(el)s: iscsid #$isd_n answered stats for $sid"
    else adopt_fail=$((adopt_fail + 1)); echo "[soak] iscsid #$isd_n: no stats for $sid"; cat $S/stats.out; fi
    if settle; then record iscsid $isd_n start $isd_pid
    else i_fail=$((i_fail + 1)); echo "[soak] iscsid #$isd_n: sessions not LOGGED_IN"; fi
    next_i=$((next_i + ISCSID_EVERY))
  fi
done
settle
record targetd $tgt_n end $tgt_pid
record iscsid $isd_n end $isd_pid
touch $S/stop
wait $wpids
say "SOAK seconds $SOAK_SECONDS"
say "SOAK target_restarts $((tgt_n - 1))"
say "SOAK iscsid_restarts $((isd_n - 1))"
say "SOAK worst_target_recovery_s $(cs_str "$(cat $S/worst.target_recovery 2>/dev/null || echo 0)")"
say "SOAK worst_iscsid_adoption_s $(cs_str "$(cat $S/worst.iscsid_adoption 2>/dev/null || echo 0)")"

[ $t_fail = 0 ] && ok "soak: all $N sessions LOGGED_IN again after each of $((tgt_n - 1)) iscsi-targetd restarts" \
  || not_ok "soak: sessions did not recover after $t_fail of $((tgt_n - 1)) iscsi-targetd restarts"
[ $adopt_fail = 0 ] && [ $i_fail = 0 ] && ok "soak: each of $((isd_n - 1)) restarted iscsid adopted all $N sessions (log; stats over IPC)" \
  || not_ok "soak: restarted iscsid: $adopt_fail adoption or stats failures, $i_fail times sessions not LOGGED_IN"
step_sh "soak: the same $N sessions at the end (sids $sids0)" "[ \"\$(ls /sys/class/iscsi_session | sort | tr '\n' ' ')\" = '$sids0' ]"

# --- data: the writers' own checks, then every slot read back once more
cat > $S/final.sh <<'F'
. /tmp/soak/sums
S=/tmp/soak
rounds=0 errors=0 mismatches=0 verified=0 maxp=0 final=0
while read -r k d; do
  [ -s $S/w.$k ] || { echo "writer $k ($d) left no summary"; errors=$((errors + 1)); continue; }
  set -- $(cat $S/w.$k)
  rounds=$((rounds + $1)) errors=$((errors + $2)) mismatches=$((mismatches + $3)) verified=$((verified + $4))
  [ $5 -gt $maxp ] && maxp=$5
  shift 5; s=0
  for b in "$@"; do
    if [ "$b" != - ]; then
      if dd if=/dev/$d of=$S/final.rd bs=64k skip=$s count=1 iflag=direct 2>/dev/null; then
        eval "want=\$sum_$b"
        if [ "$(md5sum < $S/final.rd)" = "$want" ]; then final=$((final + 1))
        else mismatches=$((mismatches + 1)); echo "MISMATCH at the end: $d slot $s"; fi
      else errors=$((errors + 1)); echo "read error at the end: $d slot $s"; fi
    fi
    s=$((s + 1))
  done
  [ -s $S/w.$k.log ] && sed "s|^|$d: |" $S/w.$k.log
done < $S/disks
echo "SOAK rounds $rounds"
echo "SOAK bytes_written $((rounds * 65536))"
echo "SOAK bytes_verified $(( (verified + final) * 65536 ))"
echo "SOAK io_errors $errors"
echo "SOAK mismatches $mismatches"
echo "SOAK worst_pause_s $((maxp / 100)).$(printf %02d $((maxp % 100)))"
[ $errors = 0 ] && [ $mismatches = 0 ] && [ $final -gt 0 ] && [ $verified -gt 0 ]
F
step "soak ${SOAK_SECONDS} s, $N sessions, target restart every ${TARGET_EVERY} s, iscsid every ${ISCSID_EVERY} s: data verified, 0 I/O errors" sh $S/final.sh

# --- daemon usage
run cat $S/usage
while read -r who n point rss fds anon file shmem; do
  say "SOAK usage $who $n $point $rss $fds $anon $file $shmem"
done < $S/usage
cat > $S/growth.sh <<'G'
# growth.sh WHO: prints each comparable pair; fails when RssAnon grew by more than 1024 KiB or
# there is any fd more (then shows the fd tables' difference)
who=$1 bad=0
val() { awk -v w="$who" -v n="$1" -v p="$2" '$1 == w && $2 == n && $3 == p {print $2, $3, $4, $5, $6}' /tmp/soak/usage; }
cmp_pair() {  # cmp_pair LABEL "N POINT VmRSS FDS ANON" "N POINT VmRSS FDS ANON"
  set -- "$1" $2 $3
  if [ $# != 11 ]; then echo "$1: missing values"; bad=1; return; fi
  echo "$1: RssAnon $6 -> ${11} KiB ($((${11} - $6)) KiB), fds $5 -> ${10}; VmRSS $4 -> $9 KiB"
  [ $((${11} - $6)) -le 1024 ] && [ "${10}" -le "$5" ] && return
  bad=1
  [ "${10}" -gt "$5" ] && diff /tmp/soak/fd.$who.$2.$3 /tmp/soak/fd.$who.$7.$8
  echo "mappings whose Rss grew by 64 KiB or more (KiB):"
  awk 'NR == FNR {a[$1 " " $2] = $3; next} $3 - a[$1 " " $2] >= 64 {print "  " $0, "(+" $3 - a[$1 " " $2] ")"}' \
    /tmp/soak/smaps.$who.$2.$3 /tmp/soak/smaps.$who.$7.$8
}
last=$(awk -v w="$who" '$1 == w {n = $2} END {print n}' /tmp/soak/usage)
n=1
while [ $n -le $last ]; do
  [ -n "$(val $n start)" ] && cmp_pair "$who #$n start -> end of life" "$(val $n start)" "$(val $n end)"
  n=$((n + 1))
done
cmp_pair "$who first -> last instance, after start" "$(val 1 start)" "$(val $last start)"
cmp_pair "$who first -> last instance, end of life" "$(val 1 end)" "$(val $last end)"
exit $bad
G
step "soak: iscsid RSS (RssAnon) growth <= 1 MiB, 0 fds (each instance's life; first vs last instance)" sh $S/growth.sh iscsid
step "soak: iscsi-targetd RSS (RssAnon) growth <= 1 MiB, 0 fds (each instance's life; first vs last instance)" sh $S/growth.sh targetd

step "soak: logout of all $N sessions" iscsiadm -m node --logoutall=all
kill -TERM $isd_pid; wait $isd_pid; rc_i=$?
kill -TERM $tgt_pid; wait $tgt_pid; rc_t=$?
[ $rc_i = 0 ] && ok "soak: last iscsid exits 0 on SIGTERM" || not_ok "soak: last iscsid exits 0 on SIGTERM (exit $rc_i)"
[ $rc_t = 0 ] && ok "soak: last iscsi-targetd exits 0 on SIGTERM" || not_ok "soak: last iscsi-targetd exits 0 on SIGTERM (exit $rc_t)"
