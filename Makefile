# iwo — see README.md. `make check` is what CI runs (.ci/run).
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/iwo
FUZZTIME ?= 10s

.PHONY: build test check deps fmt fmt-check vet staticcheck integration demo bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/iwo

# Fast, hermetic unit tests: real SQLite, in-process SFTP, no services.
test:
	$(GO) test -race -count=1 -timeout 30m ./...

# Go files, as git knows them (or all, outside a checkout).
GOFILES = $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')
# Imports come in three groups: standard library, other modules, this one.
# goimports -local sorts and splits groups but never merges them, so each
# import block is first made one group (its blank lines dropped), then
# regrouped: the result does not depend on how the file was grouped before.
# IMPORTS prints $$f so ($$gi is the goimports binary); fmt-check fails on
# a file it or gofmt would change, and fmt rewrites those files. Re-run
# `make fmt` after a merge.
GOIMPORTS_BIN = gi=$$($(GO) tool -n goimports)
IMPORTS = awk '/^import \($$/ { in_block = 1 } in_block && /^\)$$/ { in_block = 0 } !(in_block && /^[[:space:]]*$$/)' $$f | \
	$$gi -local github.com/iwoproject/iwo

fmt-check:
	@out=$$(gofmt -l $(GOFILES)); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@$(GOIMPORTS_BIN) && bad= && for f in $(GOFILES); do $(IMPORTS) | cmp -s - $$f || bad="$$bad $$f"; done; \
	if [ -n "$$bad" ]; then echo "imports need grouping (make fmt):"; printf '  %s\n' $$bad; exit 1; fi

fmt:
	@$(GOIMPORTS_BIN) && for f in $(GOFILES); do \
	  $(IMPORTS) > $$f.imports || { rm -f $$f.imports; exit 1; }; \
	  if cmp -s $$f.imports $$f; then rm $$f.imports; else echo "fmt $$f"; mv $$f.imports $$f; fi; \
	done

vet:
	$(GO) vet ./...
	$(GO) vet -tags integration ./...

staticcheck:
	$(GO) tool staticcheck ./...
	$(GO) tool staticcheck -tags integration ./...

# Suites that need real programs: OpenSSH sshd/sftp-server, PostgreSQL,
# LibreOffice, Chromium. .ci/deps installs what is missing and starts
# PostgreSQL; its stdout is the test database URL. Integration tests live in
# files tagged `integration` and are named TestIntegration*.
integration:
	@url=$$(./.ci/deps) && \
	IWO_TEST_POSTGRES="$$url" $(GO) test -race -count=1 -timeout 30m -tags integration -run 'Integration' ./...; \
	rc=$$?; ./.ci/deps stop; exit $$rc

# The Debian packages and the PostgreSQL server the suites need, first: a
# machine that cannot have them fails at once, not after the unit tests.
deps:
	@./.ci/deps >/dev/null

# Everything CI runs.
check: deps fmt-check vet staticcheck test integration

demo: build
	./$(BIN) demo

# Benchmarks: the state-scale night at a size that fits CI (docs/scaling.md;
# the full size is "iwo bench night" with its defaults), every package, then
# the PostgreSQL ones (they need the server .ci/deps starts, so they live in
# integration-tagged files).
bench: build
	./$(BIN) bench night --orders 20000 --employers 500 --payments 5000 --files 50
	$(GO) test -run '^$$' -bench . -benchmem ./...
	@url=$$(./.ci/deps) && \
	IWO_TEST_POSTGRES="$$url" $(GO) test -run '^$$' -bench 'Integration' -benchmem -tags integration ./...

fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
