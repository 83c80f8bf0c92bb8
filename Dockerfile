# blogbase: one static binary (pure-Go SQLite, no cgo) on a small base image.
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/blogbase .

FROM alpine:3.22
# the server runs as an unprivileged user that owns only its data; the
# data directory is also reachable as /app/pb_data, where the binary looks
# by default, so that a command run without --dir (superuser upsert, say)
# still writes to the volume
RUN apk add --no-cache ca-certificates tzdata \
  && addgroup -S -g 10001 blogbase \
  && adduser -S -D -H -u 10001 -G blogbase -s /sbin/nologin blogbase \
  && mkdir -p /pb_data \
  && chown blogbase:blogbase /pb_data \
  && mkdir -p /app \
  && ln -s /pb_data /app/pb_data
WORKDIR /app
COPY --from=build /out/blogbase /app/blogbase
COPY pb_public /app/pb_public
USER blogbase:blogbase
VOLUME /pb_data
EXPOSE 8090
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD wget -qO- http://127.0.0.1:8090/api/health >/dev/null || exit 1
ENTRYPOINT ["/app/blogbase"]
CMD ["serve", "--http", "0.0.0.0:8090", "--dir", "/pb_data"]
