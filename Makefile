# Build syncd with its version, commit and build date stamped in
# (`syncd version` prints them). CGO_ENABLED=0 gives a static binary whose
# SQLite driver is modernc.org/sqlite (pure Go); with cgo, mattn/go-sqlite3.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildDate=$(DATE)
OUT     ?= bin/syncd

.PHONY: build static test image clean

build:
	go build -trimpath -ldflags "$(LDFLAGS)" -o $(OUT) ./cmd/syncd

static:
	CGO_ENABLED=0 go build -trimpath -ldflags "$(LDFLAGS)" -o $(OUT) ./cmd/syncd

test:
	./scripts/test-all.sh

image:
	docker build --build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg DATE=$(DATE) -t syncd:$(VERSION) .

clean:
	rm -rf bin
