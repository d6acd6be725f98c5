#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Root on iSCSI (issue 13), in VMs: each scenario of tests/vm/rootboot/ boots its own guest
# with tests/vm/run.sh (two at a time) and its steps become TAP lines named after it:
#   "iscsistart options"  iscsistart's usage errors and exit codes beside Debian's, a command-line
#                         login with CHAP and -P left in the kernel and adopted by our iscsid
#   "fw show"             an iBFT from qemu's ACPI table (mk-ibft.py): -m fw, iscsistart -f,
#                         -m discovery -t fw beside Debian's, iscsistart -N and -b
# then tests/vm/rootboot/boot.sh: a diskless Debian 12 guest booting from our target in a second
# guest: "boot root on iscsi (iBFT)", "boot root on iscsi (cmdline)", "root session kept at
# shutdown", "root survives target restart", and the same guest from a local disk for the boot
# time ("# mark" lines). About 30 s per busybox guest; boot.sh: image ~1.5 min, 6 systemd boots
# of 1-2 min each under TCG on a loaded 2-core host. Env: SRC_DIR, BUILD_DIR, OUT_DIR (run-all.sh);
# RB_BOOT=0 leaves boot.sh out.
set -uo pipefail
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT_DIR=${OUT_DIR:-$SRC_DIR/tests-out}
export SRC_DIR OUT_DIR BUILD_DIR=${BUILD_DIR:-$SRC_DIR/build}

# file in tests/vm/rootboot/ -> scenario name in the TAP lines
scenarios=("iscsistart-options:iscsistart options" "fw-show:fw show")
work=$(mktemp -d "${TMPDIR:-/tmp}/68-rootboot.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s)
for i in "${!scenarios[@]}"; do
  file=${scenarios[$i]%%:*}
  ( VM_OUT=$OUT_DIR/vm/rootboot-$file exec "$SRC_DIR/tests/vm/run.sh" "$SRC_DIR/tests/vm/rootboot/$file.sh" \
      >"$work/$i.tap" 2>"$work/$i.log" ) &
done
wait
if [ "${RB_BOOT:-1}" = 1 ]; then
  i=${#scenarios[@]}
  scenarios+=("boot:")
  "$SRC_DIR/tests/vm/rootboot/boot.sh" >"$work/$i.tap" 2>"$work/$i.log"
fi

n=0 rc=0
for i in "${!scenarios[@]}"; do
  file=${scenarios[$i]%%:*} name=${scenarios[$i]#*:}
  echo "===== ${name:-$file} ($file)" >&2
  cat "$work/$i.log" >&2
  while IFS= read -r line; do
    if [[ $line =~ ^(not\ ok|ok)\ [0-9]+\ -\ vm/(.*)$ ]]; then
      n=$((n + 1))
      [ "${BASH_REMATCH[1]}" = "not ok" ] && rc=1
      echo "${BASH_REMATCH[1]} $n - vm/${BASH_REMATCH[2]/#$file/${name:-$file}}"
    else
      echo "$line"
    fi
  done < "$work/$i.tap"
done
echo "# 68-rootboot: $(( $(date +%s) - start ))s in all"
exit $rc
