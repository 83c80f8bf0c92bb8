#!/usr/bin/env bash
# Live comments benchmark: seeds a fresh data directory with a few hundred
# posts, starts blogbase on 127.0.0.1 and measures comment creation by 32
# concurrent clients (1) with nobody listening, (2) with 1,000 realtime
# subscribers spread 10 to a post over 100 posts (each must hear exactly
# its post's comments), (3) with the 1,000 on one post: a paced run (100
# comments/s) timing each comment's delivery to all of them, then the
# writers flat out. Subscribers subscribe as the web app does. Reports
# comments/s, create p50/p99, failures, each phase's ratio to (1) and the
# server's peak RSS, checks every post's commentsCount, and stops what it
# started. Exits non-zero when a comment fails or a subscriber hears wrong.
#
# Usage: bench/comments.sh   (SUBSCRIBERS, WRITERS, DURATION, COMMENT_RATE,
#                             PACED_DURATION, FILTER_QUOTES=single|double may be set)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

SUBSCRIBERS=${SUBSCRIBERS:-1000}
WRITERS=${WRITERS:-32}
DURATION=${DURATION:-10s}
COMMENT_RATE=${COMMENT_RATE:-100}
PACED_DURATION=${PACED_DURATION:-10s}
FILTER_QUOTES=${FILTER_QUOTES:-single}
PORT=${PORT:-$((20000 + RANDOM % 20000))}

. bench/server.sh

echo "building blogbase $(git describe --always --dirty 2>/dev/null || echo '(not a git checkout)')…"
go build -o "$work/blogbase" .
go build -o "$work/comments" ./bench/comments

ulimit -n 8192 2>/dev/null || true # a socket per subscriber, on both ends
# free posts for the comments (the route that creates posts is rate-limited
# per address, so they are seeded)
"$work/blogbase" seed --dir "$work/pb_data" --users 20 --posts 150 --paid-ratio 0 </dev/null >/dev/null
"$work/blogbase" superuser upsert bench@example.com bench-password-1 --dir "$work/pb_data" >/dev/null
# the writers measure capacity, not the per-user pace of comments
export BLOG_COMMENTS_PER_MINUTE=0
start_server --dir "$work/pb_data"

"$work/comments" -url "$base" -subscribers "$SUBSCRIBERS" -writers "$WRITERS" -duration "$DURATION" \
  -rate "$COMMENT_RATE" -paced-duration "$PACED_DURATION" \
  -filter-quotes "$FILTER_QUOTES" -pid "$server" \
  -superuser bench@example.com -superuser-password bench-password-1
