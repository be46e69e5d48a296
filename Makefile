# surge: the two commands are `make run` (the bundled sale scenario against
# the embedded target) and `make test` (everything CI runs).

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
TOOLS       := $(CURDIR)/.tools/bin
FUZZTIME    ?= 10s
BENCHTIME   ?= 1s

.PHONY: all build test unit lint bench fuzz run clean

all: build

build:
	$(GO) build -o bin/surge ./cmd/surge

## test: vet, staticcheck and the race-enabled tests, including the end-to-end ones.
test: lint unit

## The wall-clock capacity search runs on its own after the rest: its stage
## rules declare a stage invalid when the load generator falls behind its
## schedule, which a machine busy with the other packages' tests makes it do.
WALLCLOCK := TestCapacitySearchE2E

unit: redis-deps
	$(GO) test -race -count=1 -skip '^$(WALLCLOCK)$$' ./...
	$(GO) test -race -count=1 -run '^$(WALLCLOCK)$$' ./cmd/surge

## redis-deps: redis-server (the drivers/redis tests start their own) and
## redis-tools (redis-benchmark), from apt when missing; sudo only when not root.
.PHONY: redis-deps
redis-deps:
	@command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null || { \
	  sudo=; if [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi; \
	  $$sudo apt-get update && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools; }

$(TOOLS)/staticcheck:
	GOBIN=$(TOOLS) $(GO) install $(STATICCHECK)

lint: $(TOOLS)/staticcheck
	$(GO) vet ./...
	$(TOOLS)/staticcheck ./...

## bench: every hot-path benchmark, with allocations.
bench: redis-deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

## fuzz: a short run of every fuzz target (FUZZTIME each).
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

## bench-redis: requests per generator CPU-second, drivers/redis against redis-benchmark.
.PHONY: bench-redis
bench-redis: redis-deps
	drivers/redis/testdata/compare.sh

## bench-http: requests per generator CPU-second, drivers/http against wrk and vegeta
## (installs wrk from apt and vegeta at a pinned version when missing).
.PHONY: bench-http
bench-http:
	drivers/http/testdata/compare.sh

## run: the bundled bbd-flash-sale scenario against the embedded sim target.
run:
	$(GO) run ./cmd/surge run

clean:
	rm -rf bin .tools surge-results
