#!/usr/bin/env bash
# Read routes while the blog is busy, on 100k seeded posts.
#
# Seeds a temporary database, starts blogbase on 127.0.0.1 and measures with
# wrk, in one run and against one server, a static file, the listing API
# (page 1 and a cursor page ~40,000 posts deep), an author's page and a post
# view of the API, the newest post's server-rendered page (/posts/<slug>)
# and the site's RSS feed (/rss.xml) in three phases: quiet; while 20
# comments and 2 post edits a second land on the newest posts; while 200
# comments and 2 edits a second do. The writes come from bench/live at a
# fixed rate, through the APIs the web app uses, as many signed-in users;
# they hit the posts the measured pages and the feed show, so every write
# touches what is being read.
#
# Prints req/s and p50/p99 of each route in each phase, its ratio to the
# static file in the same phase (the static file shows how much CPU the
# phase leaves to serving at all) and to its own quiet rate, the write rates
# achieved, and the server's peak RSS; then stops everything it started.
# Exits non-zero when wrk saw an error answer or a socket error, or a write
# failed.
#
# Usage: bench/live.sh   (POSTS, DURATION, CONNECTIONS, EDITS, LOAD_USERS may be set)
set -euo pipefail

POSTS=${POSTS:-100000}
USERS=${USERS:-1000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
EDITS=${EDITS:-2}
LOAD_USERS=${LOAD_USERS:-100}
PORT=${PORT:-$((20000 + RANDOM % 20000))}

cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

. bench/server.sh
require_wrk

# the load generator goes before the server and the work directory
load=""
stop_load() {
  if [ -n "$load" ] && kill -0 "$load" 2>/dev/null; then
    kill "$load"; wait "$load" 2>/dev/null || true
  fi
  load=""
}
trap 'stop_load; cleanup' EXIT

echo "building blogbase $(git describe --always --dirty 2>/dev/null || echo '(not a git checkout)')…"
go build -o "$work/blogbase" .
go build -o "$work/live" ./bench/live

echo "seeding $USERS users and $POSTS posts…"
"$work/blogbase" seed --dir "$work/pb_data" --users "$USERS" --posts "$POSTS" --paid-ratio 0.1 </dev/null
"$work/blogbase" superuser upsert bench@example.com bench-password-1 --dir "$work/pb_data" >/dev/null

mkdir -p "$work/public"
cp -r pb_public/. "$work/public/"
head -c 2048 /dev/zero | tr '\0' 'x' > "$work/public/static-2k.html"

# the load measures the readers, not the per-user pace of comments
export BLOG_COMMENTS_PER_MINUTE=0
start_server --dir "$work/pb_data" --publicDir "$work/public"

# the newest post (its id and slug) and its author, a cursor about 40,000
# posts deep (or half way through a smaller listing)
first=$(curl -fs "$base/api/blog/posts?perPage=1")
post=$(echo "$first" | sed -n 's/.*"items":\[{[^]]*"id":"\([a-z0-9]*\)".*/\1/p')
slug=$(echo "$first" | json_field slug)
author=$(echo "$first" | json_field username)
deep_cursor
[ -n "$post" ] && [ -n "$slug" ] && [ -n "$author" ] && [ -n "$cursor" ] || { echo "could not prepare the URLs"; exit 1; }
# the page must be the post's, not the not-found page
curl -fs -o /dev/null "$base/posts/$slug" || { echo "/posts/$slug does not answer 200"; exit 1; }

routes=("static 2 KB file" "listing page 1" "listing cursor $((steps * 100)) deep" "author page" "post view (guest)"
  "post page (HTML)" "RSS feed")
urls=("$base/static-2k.html" "$base/api/blog/posts" "$base/api/blog/posts?cursor=$cursor"
  "$base/api/blog/posts?author=$author" "$base/api/blog/posts/$post"
  "$base/posts/$slug" "$base/rss.xml")

# a load phase runs for at most every route's measurement and a margin for
# making its users; it is stopped as soon as they are done
seconds=$(awk -v d="$DURATION" 'BEGIN {
  n = d + 0; u = substr(d, length(n "") + 1)
  if (u == "m") n *= 60; else if (u == "h") n *= 3600; else if (u == "ms") n /= 1000
  printf "%d", n + 1 }')
load_limit=$(( ${#routes[@]} * (seconds + 2) + 300 ))

failures=()
declare -a rows_route rows_phase rows_rate rows_p50 rows_p99 loads
declare -A rate_of

start_load() { # comments/s edits/s
  "$work/live" -url "$base" -superuser bench@example.com -superuser-password bench-password-1 \
    -comments "$1" -edits "$2" -users "$LOAD_USERS" -tokens "$work/live-users.json" \
    -duration "${load_limit}s" >"$work/load.log" 2>&1 &
  load=$!
  for _ in $(seq 1 1200); do
    grep -q '^running' "$work/load.log" && return 0
    kill -0 "$load" 2>/dev/null || break
    sleep 0.1
  done
  echo "the load did not start:"; cat "$work/load.log"; exit 1
}

finish_load() { # phase
  local rc=0
  if ! kill -0 "$load" 2>/dev/null; then
    failures+=("$1: the load ended before the measurements did")
  fi
  kill "$load" 2>/dev/null || true
  wait "$load" || rc=$?
  load=""
  [ "$rc" = 0 ] || failures+=("$1: the load generator failed (exit $rc)")
  grep -E '^(failed|error)' "$work/load.log" | head -n 20 | sed 's/^/    /' || true
  while read -r line; do
    loads+=("$(printf '%-26s %s' "$1" "$line")")
  done < <(grep -E '^(comments|edits):' "$work/load.log")
}

measure() { # phase route url
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$3")
  if grep -qE "Non-2xx or 3xx|Socket errors" <<<"$out"; then
    echo "  $2: some requests failed:"; echo "$out" | sed 's/^/    /'
    failures+=("$1, $2: wrk saw failed requests")
  fi
  rows_phase+=("$1"); rows_route+=("$2")
  rows_rate+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
  rows_p50+=("$(echo "$out" | awk '$1 == "50%" {print $2}')")
  rows_p99+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
  rate_of["$1|$2"]=${rows_rate[-1]}
  echo "  $2: ${rows_rate[-1]} req/s"
}

# one pass over every URL first, so that the quiet phase does not pay for
# the first cache fills and the server's heap growth
for url in "${urls[@]}"; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "$url" >/dev/null
done

phases=("quiet" "20 comments/s + $EDITS edits/s" "200 comments/s + $EDITS edits/s")
comment_rates=(0 20 200)
echo "measuring with wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $base…"
for i in "${!phases[@]}"; do
  phase=${phases[$i]}
  echo "$phase:"
  [ "${comment_rates[$i]}" = 0 ] || start_load "${comment_rates[$i]}" "$EDITS"
  for r in "${!routes[@]}"; do
    measure "$phase" "${routes[$r]}" "${urls[$r]}"
  done
  [ "${comment_rates[$i]}" = 0 ] || finish_load "$phase"
done

peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

echo
printf '%-30s %-28s %10s %10s %10s %9s %8s\n' "route" "phase" "req/s" "p50" "p99" "× static" "× quiet"
for i in "${!rows_route[@]}"; do
  static=${rate_of["${rows_phase[$i]}|${routes[0]}"]}
  quiet=${rate_of["${phases[0]}|${rows_route[$i]}"]}
  printf '%-30s %-28s %10s %10s %10s %9s %8s\n' "${rows_route[$i]}" "${rows_phase[$i]}" \
    "${rows_rate[$i]}" "${rows_p50[$i]}" "${rows_p99[$i]}" \
    "$(awk -v a="${rows_rate[$i]}" -v b="$static" 'BEGIN {printf "%.2f", a / b}')" \
    "$(awk -v a="${rows_rate[$i]}" -v b="$quiet" 'BEGIN {printf "%.2f", a / b}')"
done
echo
echo "the writes (p50/p99 from request to answer; \"behind schedule\": writes the load could not start in time):"
printf '  %s\n' "${loads[@]}"
echo
echo "server peak RSS: $((peak / 1024)) MB ($POSTS posts)"

if [ ${#failures[@]} -gt 0 ]; then
  echo
  printf 'FAILED: %s\n' "${failures[@]}"
  exit 1
fi
