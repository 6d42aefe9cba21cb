#!/usr/bin/env bash
# Run every benchmark in bench/: one JSON line each on stdout, logs on stderr.
#
#   bash bench/run_all.sh [FILTER]     only the scripts whose file name contains FILTER
#   RUNS=3 bash bench/run_all.sh       each benchmark 3 times (3 lines each)
#   BENCH_TIMEOUT=900                  seconds one run may take before it is stopped (SIGTERM)
#
# `make bench` runs this inside `python -m blazz.dev.devservers run --data-dir .data/bench`, which sets
# DATABASE_URL and REDIS_URL for the Python benchmarks. Python scripts run with .venv/bin/python,
# .mjs ones with node. Libraries are skipped: `_*.py`, `*_lib.mjs`, `*_stub_api.mjs`.
# A benchmark that fails (non-zero exit, or stdout that is not exactly one JSON line) is reported
# on stderr and as {"bench": ..., "error": ...} on stdout; the others still run, and the exit code
# is non-zero when any failed.
set -uo pipefail

cd "$(dirname "$0")/.."
FILTER="${1:-}"
RUNS="${RUNS:-1}"
BENCH_TIMEOUT="${BENCH_TIMEOUT:-900}"
PY=.venv/bin/python

scripts=()
for path in bench/*.py bench/*.mjs; do
  name="$(basename "$path")"
  case "$name" in
    _*.py | *_lib.mjs | *_stub_api.mjs) continue ;;
  esac
  [[ -n "$FILTER" && "$name" != *"$FILTER"* ]] && continue
  scripts+=("$path")
done
if [[ ${#scripts[@]} -eq 0 ]]; then
  echo "[run_all] no benchmark matches '${FILTER}'" >&2
  exit 2
fi

failed=()
for path in "${scripts[@]}"; do
  name="$(basename "$path")"
  name="${name%.*}"
  case "$path" in
    *.py) cmd=("$PY" "$path") ;;
    *.mjs) cmd=(node "$path") ;;
  esac
  for ((run = 1; run <= RUNS; run++)); do
    echo "[run_all] ${name} (run ${run}/${RUNS})" >&2
    started=$SECONDS
    out="$(timeout --kill-after=60 "$BENCH_TIMEOUT" "${cmd[@]}")"
    code=$?
    seconds=$((SECONDS - started))
    error=""
    if [[ $code -eq 124 ]]; then
      error="timed out after ${BENCH_TIMEOUT}s"
    elif [[ $code -ne 0 ]]; then
      error="exit ${code}"
    elif ! printf '%s' "$out" | "$PY" -c '
import json, sys
lines = sys.stdin.read().splitlines()
sys.exit(0 if len(lines) == 1 and isinstance(json.loads(lines[0]), dict) else 1)' 2>/dev/null; then
      error="stdout is not one JSON line"
    fi
    if [[ -z "$error" ]]; then
      printf '%s\n' "$out"
      echo "[run_all] ${name} done in ${seconds}s" >&2
    else
      failed+=("${name}")
      [[ -n "$out" ]] && printf '%s\n' "$out" | sed "s/^/[run_all] ${name} stdout: /" >&2
      echo "[run_all] FAILED ${name}: ${error} (${seconds}s)" >&2
      printf '{"bench": "%s", "error": "%s", "seconds": %d}\n' "$name" "$error" "$seconds"
    fi
  done
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "[run_all] ${#failed[@]} run(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "[run_all] all ${#scripts[@]} benchmarks passed (${RUNS} run(s) each)" >&2
