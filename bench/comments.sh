#!/usr/bin/env bash
# Live comments benchmark: starts blogbase on 127.0.0.1 with a fresh data
# directory, fans comments out to 1,000 realtime subscribers of one post
# (p50/p99 delivery latency), then measures comment creation with 32
# concurrent clients, first with the subscribers listening, then without,
# and reports the server's peak RSS. Stops what it started.
#
# Usage: bench/comments.sh   (SUBSCRIBERS, COMMENTS, WRITERS, DURATION may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

SUBSCRIBERS=${SUBSCRIBERS:-1000}
COMMENTS=${COMMENTS:-20}
WRITERS=${WRITERS:-32}
DURATION=${DURATION:-10s}
PORT=${PORT:-$((20000 + RANDOM % 20000))}

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server"; wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/blogbase" .
go build -o "$work/comments" ./bench/comments

base="http://127.0.0.1:$PORT"
if curl -fs "$base/api/health" >/dev/null 2>&1; then
  echo "port $PORT is already taken; set PORT to a free one" >&2
  exit 1
fi
ulimit -n 8192 2>/dev/null || true # a socket per subscriber, on both ends
"$work/blogbase" superuser upsert bench@example.com bench-password-1 --dir "$work/pb_data" >/dev/null
"$work/blogbase" serve --dir "$work/pb_data" --http "127.0.0.1:$PORT" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "$base/api/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "$base/api/health" >/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }

"$work/comments" -url "$base" -subscribers "$SUBSCRIBERS" -comments "$COMMENTS" \
  -writers "$WRITERS" -duration "$DURATION" -pid "$server" \
  -superuser bench@example.com -superuser-password bench-password-1
