#!/bin/bash
# Runs libFuzzer targets of a fuzz build (SSHD_HEALTH_FUZZ) one after the other, each for
# SECONDS, on a working copy of its seed corpus, and prints one summary line per target:
#   <target>: <execs> execs, cov <edges> edges, ft <features>, corpus <n>, <crashes> crashes
#
#   run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]      (default: every *_fuzz in BUILD_DIR)
#
# The corpus grows in BUILD_DIR/fuzz-corpus/<target> (the seeds in tests/fuzz/corpus/ are
# only read); crashing inputs land in BUILD_DIR/fuzz-artifacts/. Exits 1 when a target
# found a crash, a leak, a timeout or a violated property.
set -uo pipefail

build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: run_fuzzers.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
src=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$build"/*_fuzz; do [ -x "$f" ] && targets+=("$(basename "$f")"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "run_fuzzers: no *_fuzz targets in $build" >&2; exit 1; }

mkdir -p "$build/fuzz-artifacts" "$build/fuzz-logs"
status=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t"
  log="$build/fuzz-logs/$t.log"
  mkdir -p "$corpus"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a bomb is a bug too.
  "$build/$t" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -max_len=16384 -artifact_prefix="$build/fuzz-artifacts/$t-" "$corpus" "$src/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  n=$(find "$corpus" -type f | wc -l)
  crashes=0
  if [ $rc -ne 0 ]; then
    crashes=1
    status=1
    echo "=== $t failed (exit $rc); the end of $log:" >&2
    tail -40 "$log" >&2
  fi
  summary+=("$t: ${execs:-?} execs, cov ${cov:-?} edges, ft ${ft:-?}, corpus $n, $crashes crashes")
done
printf '%s\n' "${summary[@]}"
exit $status
