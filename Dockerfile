# blogbase: one static binary (pure-Go SQLite, no cgo) on a small base image.
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/blogbase .

FROM alpine:3.22
RUN apk add --no-cache ca-certificates tzdata
WORKDIR /app
COPY --from=build /out/blogbase /app/blogbase
COPY pb_public /app/pb_public
VOLUME /pb_data
EXPOSE 8090
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD wget -qO- http://127.0.0.1:8090/api/health >/dev/null || exit 1
ENTRYPOINT ["/app/blogbase"]
CMD ["serve", "--http", "0.0.0.0:8090", "--dir", "/pb_data"]
