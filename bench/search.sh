#!/usr/bin/env bash
# Benchmark of finding posts on 100k seeded posts with seeded tags.
#
# Seeds a temporary database (timed: the seed writes the search index and
# the tags' listings with its rows), reports the search index's size
# against the text it indexes, starts blogbase on 127.0.0.1 and measures
# with wrk, in one run and against one server: a static file (the
# yardstick), the main listing for reference, a tag's listing (page 1 and
# a cursor page deep in it), GET /api/blog/tags, and searches: two-word
# English queries and 2–4 character Chinese ones drawn from the seeded
# posts, every request a different query than the one before (searches
# are not cached), 2,000 of each kind. Prints req/s, p50/p99 and each
# figure's ratio to the static file, then stops everything it started.
#
# Usage: bench/search.sh         (POSTS, USERS, DURATION, CONNECTIONS may be set)
set -euo pipefail

POSTS=${POSTS:-100000}
USERS=${USERS:-1000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-$((20000 + RANDOM % 20000))}

cd "$(dirname "$0")/.."

. bench/server.sh
require_wrk
command -v sqlite3 >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq sqlite3 >/dev/null; } || {
  echo "$0 needs sqlite3 (for dbstat): apt-get install sqlite3" >&2; exit 1; }

echo "building…"
GOTOOLCHAIN=local go build -o "$work/blogbase" .

echo "seeding $USERS users and $POSTS posts (tags, a third of them in Chinese, the search index)…"
"$work/blogbase" seed --dir "$work/pb_data" --users "$USERS" --posts "$POSTS" --paid-ratio 0.1 </dev/null | tail -n 1

echo
echo "the search index:"
sqlite3 "$work/pb_data/data.db" "SELECT printf('  on disk %.1f MB (FTS5 %.1f MB, its post numbers %.1f MB)',
  SUM(pgsize) / 1048576.0,
  SUM(CASE WHEN name LIKE '_blogSearch\_%' ESCAPE '\' THEN pgsize END) / 1048576.0,
  SUM(CASE WHEN name = '_blogSearchDocs' OR name LIKE 'sqlite_autoindex__blogSearchDocs%' THEN pgsize END) / 1048576.0)
  FROM dbstat WHERE name LIKE '_blogSearch%' OR name LIKE 'sqlite_autoindex__blogSearch%'"
printf '  '; GOTOOLCHAIN=local go run ./bench/searchsize "$work/pb_data/data.db"

mkdir -p "$work/public"
cp -r pb_public/. "$work/public/"
head -c 2048 /dev/zero | tr '\0' 'x' > "$work/public/static-2k.html"

start_server --dir "$work/pb_data" --publicDir "$work/public"

# the most used tag, a cursor about 10,000 posts deep in its listing (or
# half way), and the queries
tag=$(curl -fs "$base/api/blog/tags?perPage=1" | json_field slug)
tagged=$(curl -fs "$base/api/blog/tags?perPage=1" | sed -n 's/.*"postsCount":\([0-9]*\).*/\1/p')
tag_q=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$tag")
tag_steps=$(( tagged / 200 < 100 ? tagged / 200 : 100 ))
[ "$tag_steps" -ge 1 ] || { echo "too few tagged posts"; exit 1; }
cursor=""
for _ in $(seq 1 "$tag_steps"); do
  query="tag=$tag_q&perPage=100"
  [ -n "$cursor" ] && query="perPage=100&cursor=$cursor"
  cursor=$(curl -fs "$base/api/blog/posts?$query" | json_field nextCursor)
done
[ -n "$cursor" ] || { echo "could not walk the tag's listing"; exit 1; }
python3 bench/search/queries.py "$base" "$work"

declare -a names rates p50s p99s
measure() { # name url [wrk args…]
  local name=$1 url=$2 out
  shift 2
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  if echo "$out" | grep -qE "Non-2xx or 3xx|Socket errors"; then
    echo "$name: some requests failed:"; echo "$out"; exit 1
  fi
  names+=("$name")
  rates+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
  p50s+=("$(echo "$out" | awk '$1 == "50%" {print $2}')")
  p99s+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
  echo "  $name: ${rates[-1]} req/s"
}

echo
echo "measuring with wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $base (the tag: $tag, $tagged posts)…"
measure "static 2 KB file" "$base/static-2k.html"
measure "listing page 1" "$base/api/blog/posts"
measure "tag listing page 1" "$base/api/blog/posts?tag=$tag_q"
measure "tag listing $((tag_steps * 100)) deep" "$base/api/blog/posts?cursor=$cursor"
measure "tags, page 1" "$base/api/blog/tags"
measure "search, English 2 words" "$base" -s "$work/en.lua"
measure "search, Chinese 2-4 chars" "$base" -s "$work/zh.lua"

peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo
printf '%-30s %12s %10s %10s %9s\n' "route" "req/s" "p50" "p99" "× static"
for i in "${!names[@]}"; do
  ratio=$(awk -v a="${rates[$i]}" -v b="${rates[0]}" 'BEGIN {printf "%.2f", a / b}')
  printf '%-30s %12s %10s %10s %9s\n' "${names[$i]}" "${rates[$i]}" "${p50s[$i]}" "${p99s[$i]}" "$ratio"
done
echo
echo "server peak RSS: $((peak / 1024)) MB ($POSTS posts)"
