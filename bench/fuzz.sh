#!/usr/bin/env bash
# Long fuzz run: every libFuzzer harness (fuzz/harnesses.sh) for MINUTES minutes each (default
# 10) from its committed seed corpus, clang + ASan/UBSan, then one line per harness with the
# coverage it reached (libFuzzer's "cov:" = edges covered, "ft:" = features), the executions and
# the corpus size; a crash or sanitizer report is listed with its reproducer. New corpus entries
# go to $OUT_DIR/fuzz-corpus/NAME (merge the interesting ones into fuzz/corpus/ by hand).
#   bench/fuzz.sh [MINUTES] [HARNESS...]
set -uo pipefail
SRC_DIR=$(cd "$(dirname "$0")/.." && pwd)
OUT_DIR=${OUT_DIR:-$SRC_DIR/bench-out/fuzz}
FUZZ_BUILD=${FUZZ_BUILD_DIR:-$SRC_DIR/build-fuzz}
MINUTES=${1:-10}
SECONDS_EACH=${FUZZ_SECONDS:-$((MINUTES * 60))}   # FUZZ_SECONDS overrides, for a quick check
shift || true
. "$SRC_DIR/fuzz/harnesses.sh"
[ $# -gt 0 ] && HARNESSES=("$@")

command -v clang >/dev/null || { echo "bench/fuzz.sh: clang is not installed" >&2; exit 1; }
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
  CC=clang meson setup "$FUZZ_BUILD" "$SRC_DIR" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false >&2 || exit 1
fi
targets=()
for h in "${HARNESSES[@]}"; do targets+=("$(harness_path "$h")"); done
ninja -C "$FUZZ_BUILD" "${targets[@]}" >&2 || exit 1

export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
mkdir -p "$OUT_DIR/artifacts"
printf '%-20s %8s %8s %12s %8s  %s\n' harness cov ft execs corpus result
rc=0
for h in "${HARNESSES[@]}"; do
  corpus="$OUT_DIR/fuzz-corpus/${h#fuzz-}" log="$OUT_DIR/$h.log"
  mkdir -p "$corpus"
  "$FUZZ_BUILD/$(harness_path "$h")" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$OUT_DIR/artifacts/$h-" \
    "$corpus" "$SRC_DIR/$(harness_seeds "$h")" >"$log" 2>&1
  r=$?
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p' <<<"$last")
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log")
  result=ok
  if [ $r -ne 0 ]; then
    result="FAILED (exit $r, see $log and $OUT_DIR/artifacts/$h-*)"
    rc=1
  fi
  printf '%-20s %8s %8s %12s %8s  %s\n' "$h" "${cov:-?}" "${ft:-?}" "${execs:-?}" "${corp:-?}" "$result"
done
exit $rc
