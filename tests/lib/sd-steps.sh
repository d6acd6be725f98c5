# Shared by the systemd-guest suites (65-systemd, 66-consumers, 67-multipath): renumber a guest run's
# detail steps into this suite's TAP, then one summary step per name of the issue, ok iff
# that name has detail steps and all of them passed.
# Globals: n (steps printed so far), failed (1 once a step failed), sd_seen/sd_bad (per name),
# sd_extra (per name: text appended to its passing summary step).
declare -A sd_seen sd_bad sd_extra
n=0 failed=0

# sd_detail_steps TAPFILE NAME...: print TAPFILE's steps renumbered (and its comments); a step
# belongs to NAME when its description, after "sd/SCENARIO: ", starts with "NAME:".
sd_detail_steps() {
  local tap=$1 line res desc d name
  shift
  while IFS= read -r line; do
    if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ -?\ ?(.*)$ ]]; then
      n=$((n + 1)); res=${BASH_REMATCH[1]} desc=${BASH_REMATCH[2]}
      echo "$res $n - $desc"
      [ "$res" = "not ok" ] && failed=1
      d=${desc#sd/*: }
      for name in "$@"; do
        if [[ $d == "$name:"* ]]; then
          sd_seen[$name]=1
          [[ $res == "not ok" ]] && sd_bad[$name]=1
          [[ $res == ok && $desc == *"# SKIP"* ]] && sd_bad[$name]=${sd_bad[$name]:-skip}
        fi
      done
    elif [[ $line == "#"* ]]; then
      echo "$line"
    fi
  done < "$tap"
}

# sd_summary_steps TAPFILE LOGFILE LABEL_PREFIX NAME...: one step per NAME. A name without
# detail steps is a skip when the run skipped (no kernel, no qemu: TAPFILE says why), else a
# failure.
sd_summary_steps() {
  local tap=$1 log=$2 prefix=$3 name
  shift 3
  for name in "$@"; do
    n=$((n + 1))
    if [ -z "${sd_seen[$name]:-}" ]; then
      if grep -q '# SKIP' "$tap"; then
        echo "ok $n - $prefix$name # SKIP $(sed -n 's/.*# SKIP //p' "$tap" | head -1)"
      else
        echo "not ok $n - $prefix$name: no step ran (see $log)"; failed=1
      fi
    elif [ "${sd_bad[$name]:-}" = 1 ]; then
      echo "not ok $n - $prefix$name"; failed=1
    elif [ "${sd_bad[$name]:-}" = skip ]; then
      echo "ok $n - $prefix$name # SKIP (see the detail steps)"
    else
      echo "ok $n - $prefix$name${sd_extra[$name]:-}"
    fi
  done
}
