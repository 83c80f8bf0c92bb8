#!/usr/bin/env bash
# What hostile requests cost the server, against a static file on the same
# server in the same run.
#
# Starts blogbase on 127.0.0.1 with a fresh data directory and measures
# with wrk (installed with apt-get when run as root):
#   - a 2 KB static file, the yardstick;
#   - filters of nested parentheses sent to the collections API: 40 KB
#     (20,000 levels) and 100 KB (50,000 levels) as a guest, 100 KB as a
#     superuser, and 3,400 characters nested 1,700 deep as a guest;
#   - the threaded comments route of a post with one thread of 10,000
#     replies (written through the batch API, 50 a request), and an
#     expand of that post through two back-relations (each level repeats
#     the one below it: a million records unless refused).
# For each it prints the status and size of the answer, the median time of
# an answer sent one at a time, and req/s and p50/p99 under load (wrk
# sends requests of up to 80 KB, so the 100 KB filters are timed one at a
# time only), each as a ratio to the static file, and last the server's
# peak RSS. Stops what it started.
#
# Usage: bench/hostile.sh   (DURATION, CONNECTIONS, THREADS, REPLIES, PORT
#                            may be set; BLOGBASE_BIN runs a built binary)
set -euo pipefail

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
REPLIES=${REPLIES:-10000}
PORT=${PORT:-$((20000 + RANDOM % 20000))}

cd "$(dirname "$0")/.."

. bench/server.sh
require_wrk

if [ -n "${BLOGBASE_BIN:-}" ]; then
  cp "$BLOGBASE_BIN" "$work/blogbase"
else
  echo "building…"
  GOTOOLCHAIN=local go build -o "$work/blogbase" .
fi

mkdir -p "$work/public"
head -c 2048 /dev/zero | tr '\0' 'x' > "$work/public/static-2k.html"
"$work/blogbase" superuser upsert bench@example.com bench-password-1 --dir "$work/pb_data" >/dev/null
start_server --dir "$work/pb_data" --publicDir "$work/public"

json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n 1; }
post_json() { # path token body
  curl -fsS -X POST "$base$1" -H "Content-Type: application/json" ${2:+-H "Authorization: $2"} -d "$3"
}

su=$(post_json /api/collections/_superusers/auth-with-password "" \
  '{"identity":"bench@example.com","password":"bench-password-1"}' | json_field token)
post_json /api/collections/users/records "" \
  '{"email":"talker@example.com","username":"talker","password":"talker-password","passwordConfirm":"talker-password"}' >/dev/null
user=$(post_json /api/collections/users/auth-with-password "" \
  '{"identity":"talker","password":"talker-password"}' | json_field token)
userId=$(curl -fsS "$base/api/collections/users/records?filter=username%3D%22talker%22" | json_field id)
post=$(post_json /api/blog/posts "$user" '{"title":"A long thread","body":"<p>Talk.</p>","status":"published"}' | json_field id)
top=$(post_json /api/collections/comments/records "$user" "{\"post\":\"$post\",\"body\":\"The thread\"}" | json_field id)

echo "writing $REPLIES replies under one comment through /api/batch…"
started=$(date +%s.%N)
for ((i = 0; i < REPLIES; i += 50)); do
  requests=""
  for ((j = i; j < i + 50 && j < REPLIES; j++)); do
    requests+="${requests:+,}{\"method\":\"POST\",\"url\":\"/api/collections/comments/records\",\"body\":{\"post\":\"$post\",\"parent\":\"$top\",\"author\":\"$userId\",\"body\":\"reply $j\"}}"
  done
  post_json /api/batch "$su" "{\"requests\":[$requests]}" >/dev/null
done
echo "  written in $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s"

# parentheses may stand unescaped in a URL (the JS SDK leaves them so)
nested() { printf '%*s' "$1" '' | tr ' ' '('; printf 'title%%3D%%22x%%22'; printf '%*s' "$1" '' | tr ' ' ')'; }
list="$base/api/collections/posts/records?filter="

declare -a names rates p50s p99s statuses sizes singles
measure() { # name url [token]
  local name=$1 url=$2 token=${3:-} out one times
  local auth=()
  [ -n "$token" ] && auth=(-H "Authorization: $token")
  # one request at a time: the median of 5 answer times
  times=()
  for _ in 1 2 3 4 5; do
    one=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "${auth[@]}" "$url")
    times+=("$(echo "$one" | cut -d' ' -f3)")
  done
  names+=("$name")
  statuses+=("$(echo "$one" | cut -d' ' -f1)")
  sizes+=("$(echo "$one" | cut -d' ' -f2)")
  singles+=("$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)")
  # under load, with wrk, which sends requests of at most 80 KB
  if [ "${#url}" -lt 80000 ]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 60s --latency "${auth[@]}" "$url")
    rates+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
    p50s+=("$(echo "$out" | awk '$1 == "50%" {print $2}')")
    p99s+=("$(echo "$out" | awk '$1 == "99%" {print $2}')")
  else
    rates+=("-") p50s+=("-") p99s+=("-")
  fi
  echo "  $name: ${statuses[-1]}, ${sizes[-1]} bytes, one answer in ${singles[-1]} s; ${rates[-1]} req/s"
}

echo "measuring with wrk -t$THREADS -c$CONNECTIONS -d$DURATION on $base…"
measure "static 2 KB file" "$base/static-2k.html"
measure "filter 40 KB nested, guest" "$list$(nested 20000)"
measure "filter 100 KB nested, guest" "$list$(nested 50000)"
measure "filter 100 KB nested, superuser" "$list$(nested 50000)" "$su"
measure "filter 1,700 deep, guest" "$list$(nested 1700)"
measure "expand via two back-relations" "$base/api/collections/posts/records/$post?expand=comments_via_post.post.comments_via_post"
measure "comments, 10k-reply thread" "$base/api/blog/posts/$post/comments"

peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

# ratios to the static file: its answer time over this one's (one at a
# time), this req/s over its req/s (under load); below 1 is slower
echo
printf '%-34s %6s %9s %10s %9s %10s %10s %10s %9s\n' "request" "status" "bytes" "answer s" "× static" "req/s" "p50" "p99" "× static"
for i in "${!names[@]}"; do
  single=$(awk -v a="${singles[$i]}" -v b="${singles[0]}" 'BEGIN {printf "%.3f", b / a}')
  ratio=$(awk -v a="${rates[$i]}" -v b="${rates[0]}" 'BEGIN {if (a == "-") print "-"; else printf "%.3f", a / b}')
  printf '%-34s %6s %9s %10s %9s %10s %10s %10s %9s\n' "${names[$i]}" "${statuses[$i]}" "${sizes[$i]}" "${singles[$i]}" "$single" \
    "${rates[$i]}" "${p50s[$i]}" "${p99s[$i]}" "$ratio"
done
echo
echo "server peak RSS: $((peak / 1024)) MB"
