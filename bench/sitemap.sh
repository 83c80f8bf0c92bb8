#!/usr/bin/env bash
# The sitemaps over HTTP, on 100k seeded posts.
#
# Seeds a temporary database, starts blogbase on 127.0.0.1 and, before any
# other request reaches the server, GETs /sitemap.xml and then each file it
# lists (/sitemaps/pages-N.xml, /sitemaps/posts-N.xml) twice: the first GET
# builds the answer from the database (cold: the public cache has nothing
# yet), the second must be served from the cache (the same ETag, a fraction
# of the time). Times are curl's time_total, gzip accepted as crawlers do.
# Then measures with wrk, in one run and against one server, the warm
# req/s of a static 2 KB file, /sitemap.xml and /sitemaps/posts-1.xml
# (Accept-Encoding: gzip, and once without it: the file unzipped per
# request), each with its ratio to the static file.
#
# Prints both tables and the server's peak RSS; then stops everything it
# started. Exits non-zero when a GET did not answer 200, a cold build took
# longer than COLD_LIMIT_MS (300), a second GET was not served from the
# cache, or wrk saw an error answer or a socket error.
#
# The builds alone, from the database without HTTP, file by file:
#   go test ./hooks -run '^$' -bench BenchmarkSitemapBuild -benchtime 10x
#
# Usage: bench/sitemap.sh   (POSTS, DURATION, CONNECTIONS, COLD_LIMIT_MS may be set)
set -euo pipefail

POSTS=${POSTS:-100000}
USERS=${USERS:-1000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
COLD_LIMIT_MS=${COLD_LIMIT_MS:-300}
PORT=${PORT:-$((20000 + RANDOM % 20000))}

cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

. bench/server.sh
require_wrk

echo "building blogbase $(git describe --always --dirty 2>/dev/null || echo '(not a git checkout)')…"
go build -o "$work/blogbase" .

echo "seeding $USERS users and $POSTS posts…"
"$work/blogbase" seed --dir "$work/pb_data" --users "$USERS" --posts "$POSTS" --paid-ratio 0.1 </dev/null

mkdir -p "$work/public"
cp -r pb_public/. "$work/public/"
head -c 2048 /dev/zero | tr '\0' 'x' > "$work/public/static-2k.html"

start_server --dir "$work/pb_data" --publicDir "$work/public"

failures=()
gz=(-H "Accept-Encoding: gzip")

get() { # path file: "code time_total size etag", the body (as sent) in file
  curl -s "${gz[@]}" -o "$2" -D "$work/headers" \
    -w '%{http_code} %{time_total} %{size_download}' "$base$1"
  printf ' %s\n' "$(tr -d '\r' <"$work/headers" | awk -F': ' 'tolower($1) == "etag" {print $2}')"
}

declare -a cold_rows
cold() { # path: GET it twice, cold then warm
  local c1 t1 s1 e1 c2 t2 s2 e2 ms1 ms2 kb
  read -r c1 t1 s1 e1 < <(get "$1" "$work/body")
  read -r c2 t2 s2 e2 < <(get "$1" "$work/body2")
  ms1=$(awk -v t="$t1" 'BEGIN {printf "%.1f", t * 1000}')
  ms2=$(awk -v t="$t2" 'BEGIN {printf "%.1f", t * 1000}')
  kb=$(awk -v s="$s1" 'BEGIN {printf "%.1f", s / 1024}')
  cold_rows+=("$(printf '%-28s %6s %12s %12s %10s' "$1" "$c1" "$ms1" "$ms2" "$kb")")
  echo "  $1: $c1, cold ${ms1} ms, warm ${ms2} ms, $kb KB"
  [ "$c1" = 200 ] && [ "$c2" = 200 ] || failures+=("$1: answered $c1, then $c2")
  awk -v ms="$ms1" -v limit="$COLD_LIMIT_MS" 'BEGIN {exit !(ms > limit)}' &&
    failures+=("$1: built cold in $ms1 ms, over ${COLD_LIMIT_MS} ms")
  # served from the cache: the same answer, faster than it was built
  [ -n "$e1" ] && [ "$e1" = "$e2" ] || failures+=("$1: the second GET has another ETag ($e1, then $e2)")
  awk -v a="$ms2" -v b="$ms1" 'BEGIN {exit !(a > b / 2 && a > 5)}' &&
    failures+=("$1: the second GET ($ms2 ms) was not much faster than the first ($ms1 ms)")
  return 0
}

echo "cold and warm GETs (gzip accepted):"
cold /sitemap.xml
cp "$work/body" "$work/index.xml"
mapfile -t files < <(grep -o '/sitemaps/[a-z]*-[0-9]*\.xml' "$work/index.xml")
[ ${#files[@]} -gt 0 ] || { echo "the index lists no sitemap file:"; cat "$work/index.xml"; exit 1; }
urls=0
for f in "${files[@]}"; do
  cold "$f"
  # a large file comes gzipped, a small one as it is
  n=$( (gzip -dc "$work/body" 2>/dev/null || cat "$work/body") | grep -o '<url>' | wc -l)
  urls=$((urls + n))
done
published=$(curl -fs "$base/api/blog/posts?perPage=1" | sed -n 's/.*"totalItems":\([0-9]*\).*/\1/p')
echo "  the files hold $urls URLs ($published published posts, the home page and the authors)"
[ "$urls" -gt "$published" ] || failures+=("the sitemap files hold $urls URLs, for $published published posts")

# warm throughput
declare -a rows_route rows_rate rows_p50 rows_p99 rows_mb
measure() { # route url [wrk args...]
  local name=$1 url=$2 out
  shift 2
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
  if grep -qE "Non-2xx or 3xx|Socket errors" <<<"$out"; then
    echo "  $name: some requests failed:"; echo "$out" | sed 's/^/    /'
    failures+=("$name: wrk saw failed requests")
  fi
  rows_route+=("$name")
  rows_rate+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
  rows_p50+=("$(echo "$out" | awk '$1 == "50%" {print $2}')")
  rows_p99+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
  rows_mb+=("$(echo "$out" | awk '/Transfer\/sec/ {print $2}')")
  echo "  $name: ${rows_rate[-1]} req/s"
}

for url in "$base/static-2k.html" "$base/sitemap.xml" "$base/sitemaps/posts-1.xml"; do
  wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "${gz[@]}" "$url" >/dev/null
done
echo "measuring with wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $base…"
measure "static 2 KB file" "$base/static-2k.html" "${gz[@]}"
measure "/sitemap.xml" "$base/sitemap.xml" "${gz[@]}"
measure "posts-1.xml (gzip)" "$base/sitemaps/posts-1.xml" "${gz[@]}"
measure "posts-1.xml (no gzip)" "$base/sitemaps/posts-1.xml"

peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

echo
echo "first GETs after the server started ($POSTS posts; cold: built from the database, warm: the second GET):"
printf '%-28s %6s %12s %12s %10s\n' "path" "status" "cold (ms)" "warm (ms)" "KB sent"
printf '%s\n' "${cold_rows[@]}"
echo
printf '%-24s %10s %10s %10s %10s %9s\n' "route (warm)" "req/s" "p50" "p99" "transfer/s" "× static"
for i in "${!rows_route[@]}"; do
  printf '%-24s %10s %10s %10s %10s %9s\n' "${rows_route[$i]}" "${rows_rate[$i]}" "${rows_p50[$i]}" \
    "${rows_p99[$i]}" "${rows_mb[$i]}" \
    "$(awk -v a="${rows_rate[$i]}" -v b="${rows_rate[0]}" 'BEGIN {printf "%.2f", a / b}')"
done
echo
echo "server peak RSS: $((peak / 1024)) MB ($POSTS posts)"

if [ ${#failures[@]} -gt 0 ]; then
  echo
  printf 'FAILED: %s\n' "${failures[@]}"
  exit 1
fi
