# iwo — see README.md. `make check` is what CI runs (.ci/run).
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/iwo
FUZZTIME ?= 10s

.PHONY: build test check fmt-check vet staticcheck integration demo bench fuzz clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/iwo

# Fast, hermetic unit tests: real SQLite, in-process SFTP, no services.
test:
	$(GO) test -race -count=1 ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

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
	IWO_TEST_POSTGRES="$$url" $(GO) test -race -count=1 -tags integration -run 'Integration' ./...

# Everything CI runs.
check: fmt-check vet staticcheck test integration

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
