# Shared by tests/vm/run-pair.sh and tests/vm/sd/run-pair.sh: the two guests' TAP as one run.

# pair_tap_merge A_TAP B_TAP LABEL: prints both files' steps renumbered in order (other lines as
# they are); a second guest without a single step adds the failing step "LABEL: did not run".
# Returns 0 iff no step failed.
pair_tap_merge() {
  local a=$1 b=$2 label=$3 f line n=0 rc=0
  for f in "$a" "$b"; do
    while IFS= read -r line; do
      if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ (.*)$ ]]; then
        n=$((n + 1)); [ "${BASH_REMATCH[1]}" = "not ok" ] && rc=1
        echo "${BASH_REMATCH[1]} $n ${BASH_REMATCH[2]}"
      else
        echo "$line"
      fi
    done < "$f"
  done
  if ! grep -q '^ok\|^not ok' "$b"; then echo "not ok $((n + 1)) - $label: did not run (see log)"; rc=1; fi
  return $rc
}
