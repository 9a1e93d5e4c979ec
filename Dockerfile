# syncd: a static binary on a minimal base, run as a non-root user.
#   docker build -t syncd .
#   docker run -v $PWD/syncd.yaml:/etc/syncd/syncd.yaml:ro -p 8080:8080 syncd
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
ARG COMMIT=unknown
ARG DATE=unknown
# No cgo: SQLite through modernc.org/sqlite; a fully static binary.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.buildDate=${DATE}" \
      -o /out/syncd ./cmd/syncd \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/syncd /usr/local/bin/syncd
# SQLite data (when used) lives in /var/lib/syncd; mount a volume there.
COPY --from=build --chown=65532:65532 /out/data /var/lib/syncd
USER 65532:65532
WORKDIR /var/lib/syncd
EXPOSE 8080
# The image has no shell or curl: the binary checks its own /readyz. The
# configuration must listen on 0.0.0.0:8080 (server.listen) for this URL.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/syncd", "healthcheck", "--url", "http://127.0.0.1:8080/readyz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/syncd"]
CMD ["serve", "--config", "/etc/syncd/syncd.yaml"]
