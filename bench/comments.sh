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

. bench/server.sh

go build -o "$work/blogbase" .
go build -o "$work/comments" ./bench/comments

ulimit -n 8192 2>/dev/null || true # a socket per subscriber, on both ends
"$work/blogbase" superuser upsert bench@example.com bench-password-1 --dir "$work/pb_data" >/dev/null
# the writers measure capacity, not the per-user pace of comments
export BLOG_COMMENTS_PER_MINUTE=0
start_server --dir "$work/pb_data"

"$work/comments" -url "$base" -subscribers "$SUBSCRIBERS" -comments "$COMMENTS" \
  -writers "$WRITERS" -duration "$DURATION" -pid "$server" \
  -superuser bench@example.com -superuser-password bench-password-1
