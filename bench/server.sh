# Sourced by the benchmark scripts: a temporary work directory and one
# blogbase server on 127.0.0.1, both gone when the script exits.
#
#   work=...        the directory (binary, data, logs)
#   start_server ARGS...   runs "$work/blogbase serve --http 127.0.0.1:$PORT ARGS...",
#                          waits for /api/health, sets $server (PID) and $base (URL)
#   require_wrk            installs wrk with apt-get when run as root, or stops
#   json_field NAME        the first string value of NAME in the JSON on stdin
#   deep_cursor            sets $cursor about 40,000 posts deep in the listing
#                          (or half way through a smaller one) and $steps,
#                          the hundreds of posts it walked

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server"; wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

start_server() {
  base="http://127.0.0.1:$PORT"
  if curl -fs "$base/api/health" >/dev/null 2>&1; then
    echo "port $PORT is already taken; set PORT to a free one" >&2
    exit 1
  fi
  "$work/blogbase" serve --http "127.0.0.1:$PORT" "$@" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    curl -fs "$base/api/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the server did not start:"; cat "$work/server.log"
  exit 1
}

require_wrk() {
  command -v wrk >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing wrk (Debian package)…"
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else
    echo "$0 needs wrk: install it (Debian/Ubuntu: sudo apt-get install wrk) and run again" >&2
    exit 1
  fi
}

json_field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\\1/p" | head -n 1; }

deep_cursor() {
  local published query
  published=$(curl -fs "$base/api/blog/posts?perPage=1" | sed -n 's/.*"totalItems":\([0-9]*\).*/\1/p')
  steps=$(( published / 200 < 400 ? published / 200 : 400 ))
  [ "$steps" -ge 1 ] || { echo "too few posts to measure a deep page"; exit 1; }
  cursor=""
  for _ in $(seq 1 "$steps"); do
    query="perPage=100"
    [ -n "$cursor" ] && query="$query&cursor=$cursor"
    cursor=$(curl -fs "$base/api/blog/posts?$query" | json_field nextCursor)
  done
}
