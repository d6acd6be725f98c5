#!/usr/bin/env bash
# cmocka unit tests registered with meson, run one binary at a time with TAP output.
set -uo pipefail
BUILD=${UNIT_BUILD_DIR:-$BUILD_DIR}
PREFIX=${UNIT_PREFIX:-}
python3 - "$BUILD" <<'PY' > "$OUT_DIR/${PREFIX}unit-list.txt"
import json, subprocess, sys
tests = json.loads(subprocess.check_output(["meson", "introspect", "--tests", sys.argv[1]]))
for t in tests:
    if any(s.startswith("unit-") for s in t["suite"]) or any(":unit-" in s for s in t["suite"]):
        print("\t".join([t["name"], t.get("workdir") or sys.argv[1]] + t["cmd"]))  # never empty: IFS=tab would collapse it
PY
rc=0
while IFS=$'\t' read -r name workdir cmd; do
  echo "# $PREFIX$name"
  out=$(cd "${workdir:-$BUILD}" && CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 $cmd 2>>"$OUT_DIR/${PREFIX}unit-stderr.log"); r=$?
  printf '%s\n' "$out" | grep -E '^(not )?ok [0-9]+' | sed -E "s/^((not )?ok [0-9]+)( - )?/\1 - $PREFIX$name: /"
  if [ $r -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
    echo "not ok 0 - $PREFIX$name: binary exited $r"; rc=1
  fi
done < "$OUT_DIR/${PREFIX}unit-list.txt"
exit $rc
