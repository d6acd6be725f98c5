# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the VM benches (login-64.sh, scale-256.sh): boots one guest that runs a bench's
# guest script as its only scenario, so the test suite never runs it.
#   vm_bench_run GUEST_SCRIPT NAME [SED_EXPR...]
# The guest script is copied (after the sed expressions, which set its knobs) into a private
# source view where everything but tests/vm is a symlink. Sets VM_BENCH_TRANSCRIPT (the
# guest's `say` lines), VM_BENCH_OUT (logs) and VM_BENCH_RC (run.sh's status: 0 = every step ok).
# Env: SRC_DIR (set by the caller), BUILD_DIR, VM_CACHE, VM_OUT (logs), VM_MEM.
vm_bench_run() {
  local guest=$1 name=$2 view out e
  shift 2
  view=$(mktemp -d "/tmp/bench-$name.XXXXXX")
  for e in "$SRC_DIR"/* "$SRC_DIR"/.cache; do
    [ -e "$e" ] || continue
    [ "$(basename "$e")" = tests ] && continue
    ln -s "$e" "$view/$(basename "$e")"
  done
  mkdir -p "$view/tests"
  for e in "$SRC_DIR"/tests/*; do
    [ "$(basename "$e")" = vm ] && continue
    ln -s "$e" "$view/tests/$(basename "$e")"
  done
  cp -r "$SRC_DIR/tests/vm" "$view/tests/vm"
  rm -f "$view"/tests/vm/scenarios/*.sh
  local seds=(-e "")
  for e in "$@"; do seds+=(-e "$e"); done
  sed "${seds[@]}" "$guest" > "$view/tests/vm/scenarios/$name.sh"
  chmod +x "$view/tests/vm/scenarios/$name.sh"
  out=${VM_OUT:-$(mktemp -d "/tmp/bench-$name-out.XXXXXX")}
  echo "bench: booting the VM (logs in $out)" >&2
  VM_BENCH_RC=0
  SRC_DIR=$view VM_OUT=$out "$view/tests/vm/run.sh" "$name" >&2 || VM_BENCH_RC=$?
  rm -rf "$view"
  VM_BENCH_OUT=$out
  VM_BENCH_TRANSCRIPT=$out/transcript-$name.txt
  [ -f "$VM_BENCH_TRANSCRIPT" ] || { echo "bench: no transcript (see $out)" >&2; return 1; }
}
