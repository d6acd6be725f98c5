#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel path, proven in a VM (the host kernel has no SCSI): boots Debian's cloud kernel
# under qemu TCG with tests/vm/run.sh and turns every scenario step into a TAP line.
# Scenarios are grouped into a few boots (a boot costs ~8 s); each group gets a fresh guest.
# Env: SRC_DIR, BUILD_DIR, OUT_DIR (from tests/run-all.sh); VM_GROUPS overrides the grouping,
#      e.g. VM_GROUPS="baseline walkthrough" (one boot per word, scenarios in a word joined by +).
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT_DIR=${OUT_DIR:-$SRC_DIR/tests-out}
export SRC_DIR OUT_DIR BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}

# Default grouping: the harness baseline on its own (if it fails, the harness is broken, not
# the project), then the project's own scenarios, each in a fresh boot so one scenario's
# leftovers (sessions, hung daemons) cannot fail the next.
if [ -z "${VM_GROUPS:-}" ]; then
  VM_GROUPS="baseline"
  for f in "$SRC_DIR"/tests/vm/scenarios/*.sh; do
    name=$(basename "$f" .sh)
    [ "$name" = baseline ] && continue
    VM_GROUPS="$VM_GROUPS $name"
  done
fi

n=0 rc=0
start=$(date +%s)
for group in $VM_GROUPS; do
  # shellcheck disable=SC2046
  out=$("$SRC_DIR/tests/vm/run.sh" $(echo "$group" | tr '+' ' ')) || rc=1
  # Renumber run.sh's TAP lines into one sequence for this suite.
  while IFS= read -r line; do
    if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ (.*)$ ]]; then
      n=$((n + 1))
      echo "${BASH_REMATCH[1]} $n ${BASH_REMATCH[2]}"
    else
      echo "$line"
    fi
  done <<<"$out"
done
echo "# 60-vm: $(( $(date +%s) - start ))s in all"
echo "1..$n"
exit $rc
