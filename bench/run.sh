#!/usr/bin/env bash
# Load benchmark of the public read routes on 100k seeded posts.
#
# Seeds a temporary database, starts blogbase on 127.0.0.1 and measures with
# wrk, in one run and against one server: a static file, the listing (page 1
# and a cursor page ~40,000 posts deep), a 304 revalidation, the post view
# and PocketBase's own list API on the same data. Prints req/s, p50/p99, each
# figure's ratio to the static file and the server's peak RSS, then stops
# everything it started. Last, a Go benchmark gives the cost of building a
# listing page from the database (a cache miss) at those depths.
#
# Usage: bench/run.sh            (POSTS, DURATION, CONNECTIONS may be set)
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

echo "building…"
GOTOOLCHAIN=local go build -o "$work/blogbase" .

echo "seeding $USERS users and $POSTS posts…"
"$work/blogbase" seed --dir "$work/pb_data" --users "$USERS" --posts "$POSTS" --paid-ratio 0.1 </dev/null

# the web app plus a 2 KB static page, the yardstick of every figure
mkdir -p "$work/public"
cp -r pb_public/. "$work/public/"
head -c 2048 /dev/zero | tr '\0' 'x' > "$work/public/static-2k.html"

start_server --dir "$work/pb_data" --publicDir "$work/public"

# a post to view, a cursor about 40,000 posts deep (or half way through a
# smaller listing), the ETag of page 1
post=$(curl -fs "$base/api/blog/posts?perPage=1" | sed -n 's/.*"items":\[{[^]]*"id":"\([a-z0-9]*\)".*/\1/p')
deep_cursor
etag=$(curl -fsI "$base/api/blog/posts" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
[ -n "$post" ] && [ -n "$cursor" ] && [ -n "$etag" ] || { echo "could not prepare the URLs"; exit 1; }

declare -a names rates p50s p99s
measure() { # name url [header]
  local name=$1 url=$2 out
  if [ $# -ge 3 ]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$3" "$url")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  fi
  if echo "$out" | grep -qE "Non-2xx or 3xx|Socket errors"; then
    echo "$name: some requests failed:"; echo "$out"; exit 1
  fi
  names+=("$name")
  rates+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
  p50s+=("$(echo "$out" | awk '$1 == "50%" {print $2}')")
  p99s+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
  echo "  $name: ${rates[-1]} req/s"
}

echo "measuring with wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $base…"
measure "static 2 KB file" "$base/static-2k.html"
measure "listing page 1" "$base/api/blog/posts"
measure "listing cursor $((steps * 100)) deep" "$base/api/blog/posts?cursor=$cursor"
measure "listing 304 revalidation" "$base/api/blog/posts" "If-None-Match: $etag"
measure "post view (guest)" "$base/api/blog/posts/$post"
measure "PocketBase list API, page 1" "$base/api/collections/posts/records?page=1&perPage=20&expand=author"

peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

echo
printf '%-30s %12s %10s %10s %9s\n' "route" "req/s" "p50" "p99" "× static"
for i in "${!names[@]}"; do
  ratio=$(awk -v a="${rates[$i]}" -v b="${rates[0]}" 'BEGIN {printf "%.2f", a / b}')
  printf '%-30s %12s %10s %10s %9s\n' "${names[$i]}" "${rates[$i]}" "${p50s[$i]}" "${p99s[$i]}" "$ratio"
done
deep=$(awk -v a="${rates[2]}" -v b="${rates[1]}" 'BEGIN {printf "%.2f", a / b}')
echo
echo "cursor page $((steps * 100)) deep vs page 1: ${deep}×"
echo "server peak RSS: $((peak / 1024)) MB ($POSTS posts)"

# Every figure above after a route's first request is a cache hit: wrk
# repeats one URL. What a miss costs (a build from the database after a
# write) is measured apart, on the same amount of data.
kill "$server"; wait "$server" 2>/dev/null || true; server=""
echo
echo "building a listing page from the database (a cache miss), $POSTS posts:"
GOTOOLCHAIN=local go test ./hooks -run '^$' -bench BenchmarkListPublishedPosts -benchtime 300x -args -bench-posts="$POSTS" \
  >"$work/bench.log" 2>&1 || { cat "$work/bench.log"; exit 1; }
awk '/^Benchmark/ {sub("BenchmarkListPublishedPosts/", ""); sub("-[0-9]+$", "", $1); printf "  %-22s %8.2f ms\n", $1, $3 / 1e6}' "$work/bench.log"

