# gozeo: build, run, test, benchmark and fuzz.
#
#   make run     build bin/gozeo and serve ./var/Data.fs on 127.0.0.1:8100
#   make test    vet, format check and the whole test suite (what CI runs)

GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
BIN := bin/gozeo
ADDR ?= 127.0.0.1:8100
DATA ?= var/Data.fs
FUZZTIME ?= 30s
BENCHCOUNT ?= 6
PKGS := ./...

.PHONY: all build run test test-long race bench bench-compare perf fuzz lint cover clean check-go

all: lint test

check-go:
	@$(GO) version >/dev/null 2>&1 || { echo "Go 1.26 is needed: install it from https://go.dev/dl/ (or put it at /usr/local/go)"; exit 1; }

build: check-go
	$(GO) build -o $(BIN) ./tools/gozeo

run: build
	@mkdir -p $(dir $(DATA))
	./$(BIN) serve -a $(ADDR) -f $(DATA)

lint: check-go
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# The invariants tag turns on expensive internal consistency checks.
test: lint build
	GOZEO_BIN=$(CURDIR)/$(BIN) $(GO) test -tags invariants -count=1 -timeout 12m $(PKGS)

# The long modes of the crash, kill and damage tests: -long goes to the
# packages whose tests define it.
LONGPKGS = $(shell grep -rl 'flag.Bool("long"' --include='*_test.go' . | xargs -n1 dirname | sort -u)
test-long: build
	GOZEO_BIN=$(CURDIR)/$(BIN) $(GO) test -tags invariants -count=1 -timeout 60m $(LONGPKGS) -args -long

race: check-go
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

cover: check-go
	$(GO) test -count=1 -coverprofile=cover.out $(PKGS) && $(GO) tool cover -func=cover.out | tail -1

bench: check-go
	@mkdir -p bench/results
	$(GO) test -run=NONE -bench=. -benchmem -count=$(BENCHCOUNT) $(PKGS) | tee bench/results/$$(git rev-parse --short HEAD 2>/dev/null || echo local).txt

# Every measurement of PERFORMANCE.md, on an otherwise idle machine
# (about 15 minutes); outputs go to bench/results/perf/.
perf: build
	GO=$(GO) GOZEO=$(BIN) ./bench/perf.sh bench/results/perf

fuzz: check-go
	@./fuzz/run.sh $(FUZZTIME)

clean:
	rm -rf bin cover.out
