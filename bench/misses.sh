#!/usr/bin/env bash
# What a cache miss of the listing costs as the blog grows: builds a page
# from the database (page 1, a page 40,000 posts deep by offset and by
# cursor, an author's first page and a cursor page of theirs) on seeded
# databases of each size in SIZES, with the Go benchmark
# BenchmarkListPublishedPosts. The totals are read from the counts the
# triggers on posts keep, so a miss should cost about the same at every
# size. Seeding 1,000,000 posts takes about ten minutes on 2 cores.
#
# Usage: bench/misses.sh        (SIZES="100000 1000000" and RUNS=300 may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

SIZES=${SIZES:-"100000 1000000"}
RUNS=${RUNS:-300}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# the deep cases are named by their depth, which is shallower on a small
# blog (half of it): rows say "deep", and a last row gives each depth
printf '%-22s' "page built (ms)"
for size in $SIZES; do printf '%14s' "$size posts"; done
echo
declare -A cost depth
for size in $SIZES; do
  go test ./hooks -run '^$' -bench BenchmarkListPublishedPosts -benchtime "${RUNS}x" -timeout 60m \
    -args -bench-posts="$size" >"$log" 2>&1 || { cat "$log"; exit 1; }
  while read -r name ns; do
    case $name in
      offset_[0-9]*|cursor_[0-9]*) depth[$size]=${name#*_}; name="${name%%_*}_deep" ;;
    esac
    cost["$name|$size"]=$ns
  done < <(awk '/^Benchmark/ {sub("BenchmarkListPublishedPosts/", "", $1); sub("-[0-9]+$", "", $1); print $1, $3}' "$log")
done
for name in page_1 offset_deep cursor_deep author_page_1 author_cursor; do
  printf '%-22s' "${name//_/ }"
  for size in $SIZES; do
    [ -n "${cost["$name|$size"]:-}" ] || { echo; echo "the benchmark reported no \"$name\" at $size posts"; exit 1; }
    printf '%14s' "$(awk -v ns="${cost["$name|$size"]}" 'BEGIN {printf "%.2f", ns / 1e6}')"
  done
  echo
done
printf '%-22s' "deep = posts deep"
for size in $SIZES; do printf '%14s' "${depth[$size]:-?}"; done
echo
