# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by every scenario script (tests/vm/scenarios/*.sh) inside the VM. busybox sh.
#
# Results: each step is one TAP line on the host. A step passes when its command exits 0
# (step, step_sh) or with the expected code (step_rc). Commands and their output also form
# the transcript (what scripts/demo.sh shows). Nothing here decides a result by itself: a
# scenario that ends without reporting any step is a failure on the host side.
#
#   step DESC CMD [ARG...]        run CMD, show "$ CMD" and its output, ok iff exit 0
#                                 (CMD may be a shell function: it runs in a subshell)
#   step_sh DESC 'SHELL'          same for a shell snippet (sh -c; lib functions not available)
#   step_rc RC DESC CMD [ARG...]  ok iff CMD exits with RC
#   run CMD [ARG...]              show and run, no TAP line (setup); returns CMD's status
#   ok DESC / not_ok DESC / skip DESC WHY   report directly
#   say TEXT / note TEXT          transcript line / transcript comment ("# TEXT")
#   wait_for SECS 'SHELL'         poll (0.2 s) until SHELL (eval'd in a subshell) succeeds; 1 on timeout
#   bg NAME CMD [ARG...]          start a daemon in the background, log in /tmp/NAME.log;
#                                 its pid in $PID_NAME (non-alphanumerics in NAME become _)
#   stop_bg NAME                  SIGTERM a bg daemon, wait (20 s, then SIGKILL), return its status
#   step_stop NAME                stop_bg as a step: ok iff the daemon exits 0
#   disks                         sd disks now in /proc/partitions (names, one per line)
#   new_disks BEFORE              disks not in the list BEFORE
#   set_conf FILE KEY VALUE       set "KEY = VALUE", replacing a commented or live line
#   use_debian_initiator IQN      /etc/iscsi from Debian's package, start Debian's iscsid
#   use_our_initiator IQN         our_iscsi_config IQN + start_our_iscsid
#   our_iscsi_config IQN          PATH with ours first; /etc/iscsi from the repo's etc/ + name
#   start_our_iscsid              our iscsid -f in the background; 0 when its socket is there
#   expect_out DESC STRING        ok iff the previous step's output contains STRING (fixed)
#   listening PORT                true if a TCP socket listens on PORT (for wait_for)
#   start_tgtd                    Debian's tgtd in the background, wait for its socket
#   at_exit 'SHELL'               run SHELL when the scenario ends (last registered first);
#                                 use it for logout/umount instead of your own EXIT trap
#
# Env: VM_SCENARIO (name), STEP_TIMEOUT (seconds per command, default 120).
# Our binaries live in /opt/iscsi-tools/sbin ($OURS), Debian's open-iscsi in /opt/debian/sbin
# ($DEBIAN), tgt in /opt/tgt/sbin ($TGTBIN); none is in the default PATH: use_debian_initiator
# puts $DEBIAN first, our_iscsi_config puts $OURS first, start_tgtd appends $TGTBIN.

VM_SCENARIO=${VM_SCENARIO:-$(basename "$0" .sh)}
STEP_TIMEOUT=${STEP_TIMEOUT:-120}
OURS=/opt/iscsi-tools/sbin
DEBIAN=/opt/debian/sbin
TGTBIN=/opt/tgt/sbin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
_VM_OUT=/tmp/.vm-step.out
_VM_LOGS=""

_chan() { printf '%s\n' "$*" >&3 2>/dev/null; }
_now() { cut -d' ' -f1 /proc/uptime; }
_since() { awk -v a="$1" -v b="$(_now)" 'BEGIN{printf "%.2f", b-a}'; }
_oneline() { printf '%s' "$*" | tr '\n\r\t' '   '; }

say() {
  printf '%s\n' "$*"
  _chan "T $VM_SCENARIO $(_oneline "$*")"
}
note() { say "# $*"; }
# The time on a marker is the step command's own; ok/not_ok called directly report 0.
ok() { _chan "@@OK $VM_SCENARIO ${_VM_T:-0} $(_oneline "$*")"; _VM_T=; echo "[vm] ok - $*"; }
not_ok() { _chan "@@NOTOK $VM_SCENARIO ${_VM_T:-0} $(_oneline "$*")"; _VM_T=; echo "[vm] not ok - $*"; }
skip() {
  _chan "@@SKIP $VM_SCENARIO 0 $(_oneline "$1") # $(_oneline "$2")"
  echo "[vm] skip - $1: $2"
}

# Shell-quoted rendering of a command line for the transcript.
_q() {
  _s=""
  for _a in "$@"; do
    case $_a in
      *"'"*) _a="\"$(printf '%s' "$_a" | sed 's/["$`\\]/\\&/g')\"" ;;
      ""|*[!A-Za-z0-9_./:=@%+,-]*) _a="'$_a'" ;;
    esac
    _s="$_s${_s:+ }$_a"
  done
  printf '%s' "$_s"
}

_show_out() {
  while IFS= read -r _l || [ -n "$_l" ]; do say "$_l"; done < "$_VM_OUT"
}

# _exec CMD...: runs CMD with a timeout, output to the transcript; sets _VM_RC and _VM_T.
_exec() {
  _t0=$(_now)
  case "$(type "$1" 2>/dev/null)" in
    *function*)
      # A shell function cannot be exec'd by timeout: run it in a subshell with a watchdog.
      ( "$@" ) > "$_VM_OUT" 2>&1 < /dev/null &
      _p=$!
      { sleep "$STEP_TIMEOUT" && kill -KILL $_p 2>/dev/null; } >/dev/null 2>&1 &
      _w=$!
      wait $_p
      _VM_RC=$?
      kill $_w 2>/dev/null
      ;;
    *)
      timeout -s KILL "$STEP_TIMEOUT" "$@" > "$_VM_OUT" 2>&1 < /dev/null
      _VM_RC=$?
      ;;
  esac
  _VM_T=$(_since "$_t0")
  cp "$_VM_OUT" /tmp/.vm-last.out
  _show_out
  if [ "$_VM_RC" -eq 137 ] && [ "${_VM_T%.*}" -ge "$STEP_TIMEOUT" ]; then
    say "(timed out after ${STEP_TIMEOUT}s)"
  fi
}

run() {
  say "\$ $(_q "$@")"
  _exec "$@"
  return $_VM_RC
}

step() {
  _d=$1; shift
  say "\$ $(_q "$@")"
  _exec "$@"
  if [ "$_VM_RC" -eq 0 ]; then ok "$_d"; else not_ok "$_d (exit $_VM_RC)"; fi
  return $_VM_RC
}

step_sh() {
  _d=$1
  say "\$ $2"
  _exec sh -c "$2"
  if [ "$_VM_RC" -eq 0 ]; then ok "$_d"; else not_ok "$_d (exit $_VM_RC)"; fi
  return $_VM_RC
}

step_rc() {
  _want=$1 _d=$2; shift 2
  say "\$ $(_q "$@")"
  _exec "$@"
  say "(exit code $_VM_RC)"
  if [ "$_VM_RC" -eq "$_want" ]; then ok "$_d"; else not_ok "$_d (exit $_VM_RC, expected $_want)"; fi
  [ "$_VM_RC" -eq "$_want" ]
}

wait_for() {
  _n=$(( $1 * 5 ))
  while [ "$_n" -gt 0 ]; do
    ( eval "$2" ) >/dev/null 2>&1 && return 0
    sleep 0.2
    _n=$((_n - 1))
  done
  return 1
}

bg() {
  _name=$1; shift
  "$@" > "/tmp/$_name.log" 2>&1 < /dev/null &
  eval "PID_$(echo "$_name" | tr -c 'a-zA-Z0-9_\n' '_')=$!"
  _VM_LOGS="$_VM_LOGS /tmp/$_name.log"
  echo "[vm] started $_name (pid $!): $*"
}

# stop_bg NAME: SIGTERM to a daemon started with bg, wait up to 20 s for it to exit (then
# SIGKILL); shows it in the transcript and returns its exit status.
stop_bg() {
  eval "_sp=\${PID_$(echo "$1" | tr -c 'a-zA-Z0-9_\n' '_')}"
  say "\$ kill -TERM $_sp   # $1"
  kill -TERM "$_sp" 2>/dev/null
  { sleep 20 && kill -KILL "$_sp" 2>/dev/null; } >/dev/null 2>&1 &
  _sw=$!
  wait "$_sp"
  _src=$?
  kill $_sw 2>/dev/null
  say "($1 exit code $_src)"
  return $_src
}

# step_stop NAME: one step, "NAME exits 0 on SIGTERM" (a clean stop; under a sanitizer build
# also no leak or error report at exit).
step_stop() {
  _VM_T=
  if stop_bg "$1"; then ok "$1 exits 0 on SIGTERM"; else not_ok "$1 exits 0 on SIGTERM (exit $_src)"; fi
}

disks() { awk '$4 ~ /^sd[a-z]+$/ {print $4}' /proc/partitions; }
new_disks() {
  for _x in $(disks); do
    case " $(echo $1) " in *" $_x "*) ;; *) echo "$_x" ;; esac
  done
}
# expect_new_disk BEFORE: after a login, wait up to 30 s for a disk that is not in BEFORE (what
# `disks` printed before it), report "disk appears" and leave the disk's name in $dev.
expect_new_disk() {
  _before=$1
  # shellcheck disable=SC2016 # wait_for evaluates it
  wait_for 30 '[ -n "$(new_disks "$_before")" ]'
  dev=$(new_disks "$_before" | head -1)
  if [ -n "$dev" ]; then ok "disk appears (/dev/$dev)"; else not_ok "disk appears"; fi
}

# start_chunk_writer NAME DEV FIRST_MIB COUNT DONE: in the background (bg NAME), write /tmp/b
# (1 MiB) to DEV at FIRST_MIB + i MiB for i < COUNT, each O_DIRECT + fsync; append i to DONE
# once its dd returned, then "finished". Used to write across a target failure.
start_chunk_writer() {
  cat > "/tmp/$1.sh" <<W
i=0
while [ \$i -lt $4 ]; do
  dd if=/tmp/b of=$2 bs=1M seek=\$(($3 + i)) oflag=direct conv=fsync 2>/dev/null && echo \$i >> $5
  i=\$((i + 1))
done
echo finished >> $5
W
  : > "$5"
  bg "$1" sh "/tmp/$1.sh"
}

# expect_recovered_writes SID DEV NOTE [BACKING_FILE] (its variables are _rw_*: step/step_sh use _d): after a target failure during the
# start_chunk_writer run (writer /tmp/done, 24 chunks at 16 MiB, /tmp/b) that followed an 8 MiB
# write of /tmp/a at 0: the session SID is LOGGED_IN again (NOTE is added to that step's name),
# the writer finished, iscsid logged the recovery, the session and DEV are the same, and all data
# reads back intact — through DEV, and also in BACKING_FILE when the target's file is given.
expect_recovered_writes() {
  _rw_sid=$1 _rw_dev=$2 _rw_note=$3 _rw_img=${4:-}
  if wait_for 60 "grep -qx LOGGED_IN /sys/class/iscsi_session/$_rw_sid/state"; then
    ok "session $_rw_sid recovered (LOGGED_IN again$_rw_note)"
  else
    not_ok "session $_rw_sid recovered"
  fi
  if wait_for 120 'grep -q finished /tmp/done' && [ "$(grep -vc finished /tmp/done)" = 24 ]; then
    ok "writer finished after recovery, all 24 chunks written"
  else
    not_ok "writer finished after recovery, all 24 chunks written ($(grep -vc finished /tmp/done) done)"
  fi
  run cat /tmp/iscsid.log
  step_sh "iscsid logged the recovery" "grep -q 'operational after recovery' /tmp/iscsid.log"
  step_sh "same session and same disk" "[ \"\$(ls /sys/class/iscsi_session)\" = $_rw_sid ] && [ -b $_rw_dev ]"
  step_sh "data fsync'd before the kill reads back intact" \
    "dd if=$_rw_dev of=/tmp/a2 bs=1M count=8 iflag=direct 2>/dev/null && [ \"\$(sha256sum < /tmp/a)\" = \"\$(sha256sum < /tmp/a2)\" ]"
  _rw_name="every chunk the writer completed reads back intact"
  [ -n "$_rw_img" ] && _rw_name="$_rw_name (and is in the backing file)"
  step_sh "$_rw_name" '
  want=$(sha256sum < /tmp/b); bad=0
  for i in $(grep -v finished /tmp/done); do
    got=$(dd if='"$_rw_dev"' bs=1M skip=$((16 + i)) count=1 iflag=direct 2>/dev/null | sha256sum)
    file=$want
    [ -n "'"$_rw_img"'" ] && file=$(dd if="'"$_rw_img"'" bs=1M skip=$((16 + i)) count=1 2>/dev/null | sha256sum)
    [ "$got" = "$want" ] && [ "$file" = "$want" ] || { echo "chunk $i differs"; bad=1; }
  done
  n=$(grep -vc finished /tmp/done); echo "$n chunks checked"; [ $bad = 0 ] && [ "$n" -ge 3 ]'
}

# expect_disk_gone: after a logout, report whether the disk in $dev left within 15 s.
expect_disk_gone() {
  if [ -z "$dev" ]; then
    not_ok "disk gone after logout (there was no disk)"
  elif wait_for 15 "[ ! -e /sys/block/$dev ]"; then
    ok "disk gone after logout"
  else
    not_ok "disk gone after logout (/dev/$dev still there)"
  fi
}

set_conf() {
  _f=$1 _k=$2 _v=$3
  _kre=$(printf '%s' "$_k" | sed 's/[][.*^$]/\\&/g')
  if grep -Eq "^[#[:space:]]*${_kre}[[:space:]]*=" "$_f"; then
    sed -i -E "0,/^[#[:space:]]*${_kre}[[:space:]]*=.*/s||$_k = $_v|" "$_f"
  else
    echo "$_k = $_v" >> "$_f"
  fi
}

_write_initiatorname() {
  mkdir -p /etc/iscsi
  echo "InitiatorName=$1" > /etc/iscsi/initiatorname.iscsi
}

use_debian_initiator() {
  export PATH=$DEBIAN:$PATH
  mkdir -p /etc/iscsi /run/lock/iscsi
  cp /usr/share/iscsi-debian/iscsid.conf /etc/iscsi/iscsid.conf
  _write_initiatorname "$1"
  bg iscsid-debian $DEBIAN/iscsid -f
  wait_for 10 'test -S /run/iscsid.socket || grep -q ISCSIADM_ABSTRACT /proc/net/unix'
}

our_iscsi_config() {
  export PATH=$OURS:$PATH
  mkdir -p /etc/iscsi
  cp -a /usr/share/iscsi-tools/. /etc/iscsi/ 2>/dev/null
  _write_initiatorname "$1"
}

start_our_iscsid() {
  mkdir -p /run/iscsid
  bg iscsid $OURS/iscsid -f
  wait_for 15 'test -S /run/iscsid/iscsid.sock'
}

use_our_initiator() {
  our_iscsi_config "$1"
  start_our_iscsid
}

expect_out() {
  if grep -qF -- "$2" /tmp/.vm-last.out 2>/dev/null; then ok "$1"; else not_ok "$1 (no \"$2\" in the output)"; fi
}

# /proc/net/tcp{,6}: local port in hex at the end of field 2, state 0A = LISTEN.
listening() {
  _hp=$(printf ':%04X' "$1")
  awk -v p="$_hp" '$4=="0A" && substr($2, length($2)-4)==p {f=1} END{exit !f}' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

start_tgtd() {
  mkdir -p /run/tgtd
  case ":$PATH:" in *":$TGTBIN:"*) ;; *) export PATH=$PATH:$TGTBIN ;; esac
  bg tgtd $TGTBIN/tgtd -f
  wait_for 15 'tgtadm --lld iscsi --mode target --op show'
}

_VM_ATEXIT=""
at_exit() {
  _VM_ATEXIT="$1
$_VM_ATEXIT"
}

_vm_exit() {
  _rc=$?
  if [ -n "$_VM_ATEXIT" ]; then
    echo "[vm] cleanup"
    eval "$_VM_ATEXIT"
  fi
  for _f in $_VM_LOGS; do
    [ -s "$_f" ] || continue
    echo "----- $_f (last 40 lines)"
    tail -n 40 "$_f"
  done
  exit $_rc
}
trap _vm_exit EXIT
