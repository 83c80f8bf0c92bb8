#!/usr/bin/env bash
# Runs every Go fuzz target (func FuzzX in a *_test.go file), one after
# another, each for the given duration (default 10s; anything -fuzztime
# takes, e.g. 10m or 5000x). An optional second argument picks targets by
# a regular expression on their names.
#
#   scripts/fuzz.sh             # the short run CI does
#   scripts/fuzz.sh 10m         # the long run
#   scripts/fuzz.sh 1m Compose  # only the targets matching Compose
#
# A target that fails leaves the input in its package's testdata/fuzz/;
# `go test -run 'FuzzX/NAME' ./pkg` replays it. Exits non-zero when any
# target failed.
#
# FUZZ_MINIMIZE_TIME (default 100x) bounds the minimizing of each new
# input (-fuzzminimizetime). The coverage of the HTTP targets varies a
# little between runs of one input (random record ids and times pass
# through SQLite, which is Go code and instrumented too): with go's
# default of 60s, workers would spend most of a short run minimizing.
set -uo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

duration=${1:-10s}
only=${2:-}
minimize=${FUZZ_MINIMIZE_TIME:-100x}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

targets=$(find . -name node_modules -prune -o -name '*_test.go' -print | sort |
  xargs grep -H -o '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' |
  sed 's/^\(.*\)\/[^/]*_test\.go:func \(Fuzz[A-Za-z0-9_]*\)(.*$/\1 \2/')
if [ -z "$targets" ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi

failed=0
ran=0
while read -r pkg name; do
  if [ -n "$only" ] && ! [[ $name =~ $only ]]; then
    continue
  fi
  ran=$((ran + 1))
  for try in 1 2; do
    status=0
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "$duration" -fuzzminimizetime "$minimize" "$pkg" >"$log" 2>&1 || status=$?
    # go's fuzzing engine sometimes ends a run that found nothing with
    # "context deadline exceeded" (a worker still busy when the time is
    # up, no input saved): that run is tried once more; a second one, or
    # any other failure, counts
    if [ "$status" -ne 0 ] && [ "$try" -eq 1 ] && grep -q 'context deadline exceeded' "$log" &&
      ! grep -q 'Failing input written to' "$log"; then
      echo "fuzz $name: the engine timed out at the end of the run; running it again"
      continue
    fi
    break
  done
  execs=$(sed -n 's/.*execs: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
  if [ "$status" -ne 0 ]; then
    failed=$((failed + 1))
    cat "$log"
    echo "fuzz $name: ${execs:-0} execs, FAILED ($pkg)"
  else
    echo "fuzz $name: ${execs:-0} execs"
  fi
done <<<"$targets"

if [ "$ran" -eq 0 ]; then
  echo "no fuzz target matches $only" >&2
  exit 1
fi
echo "fuzz: $((ran - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
