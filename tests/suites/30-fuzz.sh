#!/usr/bin/env bash
# Fuzz suite: builds the libFuzzer harnesses with clang + ASan/UBSan (-Dfuzz=true) in their own
# build dir and runs each briefly from the seed corpus in fuzz/corpus/. One TAP line for the
# build and one per harness; a crash, leak, sanitizer report or invariant abort is a `not ok`
# (the reproducer lands in $OUT_DIR/fuzz-artifacts/). Wall time: build + FUZZ_TIME seconds per harness, one after the other.
set -uo pipefail
SRC_DIR=${SRC_DIR:?} OUT_DIR=${OUT_DIR:?}
FUZZ_TIME=${FUZZ_TIME:-14}
FUZZ_BUILD=${FUZZ_BUILD_DIR:-$SRC_DIR/build-fuzz}
. "$SRC_DIR/fuzz/harnesses.sh"
mkdir -p "$OUT_DIR/fuzz-artifacts"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT INT TERM

n=0
tap() { n=$((n + 1)); echo "$1 $n - $2"; }

if ! command -v clang >/dev/null; then
  tap ok "fuzz build # SKIP clang is not installed"
  for h in "${HARNESSES[@]}"; do tap ok "$h # SKIP clang is not installed"; done
  exit 0
fi

build_ok=1
if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
  CC=clang meson setup "$FUZZ_BUILD" "$SRC_DIR" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false >&2 || build_ok=0
fi
targets=()
for h in "${HARNESSES[@]}"; do targets+=("$(harness_path "$h")"); done
if [ $build_ok = 1 ] && ninja -C "$FUZZ_BUILD" "${targets[@]}" >&2; then
  tap ok "fuzz build (clang, -fsanitize=fuzzer,address,undefined)"
else
  tap "not ok" "fuzz build (clang, -fsanitize=fuzzer,address,undefined)"
  for h in "${HARNESSES[@]}"; do tap "not ok" "$h (not built)"; done
  exit 1
fi

# UBSan findings must stop the run; leaks are reported by libFuzzer's ASan integration.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
rc=0
for h in "${HARNESSES[@]}"; do
  corpus="$OUT_DIR/fuzz-corpus/${h#fuzz-}"
  mkdir -p "$corpus"
  echo "== $h for ${FUZZ_TIME}s" >&2
  "$FUZZ_BUILD/$(harness_path "$h")" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$OUT_DIR/fuzz-artifacts/$h-" \
    "$corpus" "$SRC_DIR/$(harness_seeds "$h")" >&2 &
  pids=($!)
  wait "${pids[0]}"; r=$?
  pids=()
  if [ $r -eq 0 ]; then
    tap ok "$h ran ${FUZZ_TIME}s without findings"
  else
    tap "not ok" "$h exited $r (see $OUT_DIR/fuzz-artifacts/ and the log)"
    rc=1
  fi
done
exit $rc
