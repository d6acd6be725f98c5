#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel path, proven in a VM (the host kernel has no SCSI): boots Debian's cloud kernel
# under qemu TCG with tests/vm/run.sh and turns every scenario step into a TAP line.
# Each scenario gets a fresh guest (a boot costs ~5-8 s), so one scenario's leftovers
# (sessions, hung daemons) cannot fail the next; VM_JOBS guests run at once (TCG uses one
# host core per guest). The suite stops starting guests once VM_BUDGET seconds are used up
# and reports the scenarios it did not run as failures.
# Env: SRC_DIR, BUILD_DIR, OUT_DIR (from tests/run-all.sh);
#      VM_GROUPS: one boot per word, scenarios in a word joined by "+" (default: the harness
#                 self-test, then every tests/vm/scenarios/*.sh, baseline first; scenarios
#                 marked "# vm-pair: A B" run as two guests, "@pair:A+B", via run-pair.sh;
#                 those marked "# vm-start-early" right after baseline);
#                 "@asan:NAME" runs NAME with the sanitizer build in ASAN_BUILD_DIR (default
#                 build-asan, made by 20-unit-asan.sh; SKIP if absent);
#                 VM_JOBS (default 2; a pair takes two);
#      VM_BUDGET (seconds, default 1830: 18 boots take ~10 min on 2 idle cores, far more on a loaded
#                 host; 330 of it for the soak scenario, ~5.5 min of one guest).
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT_DIR=${OUT_DIR:-$SRC_DIR/tests-out}
export SRC_DIR OUT_DIR BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}
jobs_max=${VM_JOBS:-2}
budget=${VM_BUDGET:-1830}

# "@selftest" is tests/vm/selftest.sh: the harness proving it reports failures as failures.
if [ -z "${VM_GROUPS:-}" ]; then
  VM_GROUPS="@selftest baseline"
  pairs="" early="" rest=""
  for f in "$SRC_DIR"/tests/vm/scenarios/*.sh; do
    name=$(basename "$f" .sh)
    pair=$(sed -n 's/^# vm-pair: *\([^ ]*\) \([^ ]*\).*/@pair:\1+\2/p' "$f" | head -1)
    if [ -n "$pair" ]; then
      case " $pairs " in *" $pair "*) ;; *) pairs="$pairs $pair" ;; esac
    elif grep -q '^# vm-start-early' "$f"; then
      early="$early $name"   # a long scenario: overlaps the short ones instead of trailing them
    elif [ "$name" != baseline ]; then
      rest="$rest $name"
    fi
  done
  VM_GROUPS="$VM_GROUPS$early$rest"
  # The walk-through once more with the sanitizer build of 20-unit-asan.sh: our daemons and
  # CLIs under ASan/UBSan on the real kernel path (any report fails a step).
  VM_GROUPS="$VM_GROUPS$pairs @asan:walkthrough"
fi
asan_dir=${ASAN_BUILD_DIR:-$SRC_DIR/build-asan}
members() {  # the scenario names of a group
  local g=${1#@pair:}; g=${g#@asan:}
  echo "$g" | tr '+' ' '
}
prefix() { [[ $1 == @asan:* ]] && echo asan: ; }
read -r -a groups <<<"$VM_GROUPS"

work=$(mktemp -d "${TMPDIR:-/tmp}/60-vm.XXXXXX")
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

start=$(date +%s)
for i in "${!groups[@]}"; do
  need=1
  [[ ${groups[$i]} == @pair:* ]] && need=2   # two guests
  while [ "$(jobs -rp | wc -l)" -gt $((jobs_max - need)) ] && [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n; done
  used=$(( $(date +%s) - start ))
  if [ "$used" -ge "$budget" ]; then
    for s in $(members "${groups[$i]}"); do
      echo "not ok 1 - vm/$(prefix "${groups[$i]}")$s: not run: the VM suite's ${budget}s budget was used up by earlier scenarios"
    done > "$work/$i.tap"
    continue
  fi
  if [ "${groups[$i]}" = @selftest ]; then
    ( VM_OUT=$OUT_DIR/vm/selftest exec "$SRC_DIR/tests/vm/selftest.sh" >"$work/$i.tap" 2>"$work/$i.log" ) &
  elif [[ ${groups[$i]} == @pair:* ]]; then
    # shellcheck disable=SC2046
    ( VM_MAX_SECONDS=$((budget - used + 60)) exec "$SRC_DIR/tests/vm/run-pair.sh" $(echo "${groups[$i]#@pair:}" | tr '+' ' ') \
        >"$work/$i.tap" 2>"$work/$i.log" ) &
  elif [[ ${groups[$i]} == @asan:* ]]; then
    if [ ! -f "$asan_dir/build.ninja" ]; then
      for s in $(members "${groups[$i]}"); do
        echo "ok 1 - vm/asan:$s # SKIP no sanitizer build in $asan_dir (tests/suites/20-unit-asan.sh makes it)"
      done > "$work/$i.tap"
      continue
    fi
    # shellcheck disable=SC2046
    ( BUILD_DIR=$asan_dir VM_TAP_PREFIX=asan: VM_OUT=$OUT_DIR/vm/asan-$(members "${groups[$i]}" | tr ' ' '+') \
      VM_MAX_SECONDS=$((budget - used + 60)) exec "$SRC_DIR/tests/vm/run.sh" $(members "${groups[$i]}") \
        >"$work/$i.tap" 2>"$work/$i.log" ) &
  else
    # shellcheck disable=SC2046
    ( VM_MAX_SECONDS=$((budget - used + 60)) exec "$SRC_DIR/tests/vm/run.sh" $(echo "${groups[$i]}" | tr '+' ' ') \
        >"$work/$i.tap" 2>"$work/$i.log" ) &
  fi
  pids+=($!)
done
wait

n=0 rc=0
summary=""
for i in "${!groups[@]}"; do
  echo "===== group ${groups[$i]}" >&2
  [ -f "$work/$i.log" ] && cat "$work/$i.log" >&2
  # Renumber run.sh's TAP lines into one sequence for this suite.
  while IFS= read -r line; do
    if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ (.*)$ ]]; then
      n=$((n + 1))
      [ "${BASH_REMATCH[1]}" = "not ok" ] && rc=1
      echo "${BASH_REMATCH[1]} $n ${BASH_REMATCH[2]}"
    else
      echo "$line"
    fi
  done < "$work/$i.tap"
  for s in $(members "${groups[$i]}"); do
    [ "$s" = @selftest ] && continue
    f=$(grep -c "^not ok [0-9]* - vm/$(prefix "${groups[$i]}")$s:" "$work/$i.tap")
    d=${groups[$i]}
    [[ $d == @pair:* ]] && d=$s
    [[ $d == @asan:* ]] && d=asan-${d#@asan:}
    [ "$f" -gt 0 ] && summary="$summary  vm/$s: $f failing (transcript: $OUT_DIR/vm/$d/transcript-$s.txt)
"
  done
done
# run-all.sh shows the last lines of this log on failure: make them the list of what failed.
[ -n "$summary" ] && printf '===== 60-vm failures\n%s' "$summary" >&2
echo "# 60-vm: $(( $(date +%s) - start ))s in all, ${#groups[@]} boots, $jobs_max at a time"
echo "1..$n"
exit $rc
