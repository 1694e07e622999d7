# sparselab — the two commands a newcomer needs are `make run` and `make test` (see README.md).
# Every target installs what is missing first (scripts/setup.sh is idempotent).

SHELL := /bin/bash
GO ?= go
export GOEXPERIMENT ?= simd
GOBIN := $(shell $(GO) env GOPATH)/bin
export PATH := $(GOBIN):$(shell $(GO) env GOROOT)/bin:$(PATH)
OUT ?= out
NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
TEST_TIMEOUT ?= 60m

.PHONY: all setup run test vet lint jupyter bench clean help

all: help

help:
	@echo "make run      install what is missing, execute every notebook (quick mode) into $(OUT)/notebooks"
	@echo "make test     install what is missing, go vet, Go tests, notebook checks"
	@echo "make jupyter  open the notebooks in a Jupyter server (GoNB kernel)"
	@echo "make bench    time the training step / solvers on every backend here and PyTorch; writes $(OUT)/bench/report.md"
	@echo "make lint     gofmt, go vet, staticcheck"

setup:
	@scripts/setup.sh all

run: setup
	@echo "== executing $(words $(NOTEBOOKS)) notebook(s) in quick mode"
	$(GO) run ./cmd/sparselab notebook run --quick --out $(OUT)/notebooks $(NOTEBOOKS)

vet:
	$(GO) vet ./...

test: setup vet
	@echo "== go test (notebooks included, quick mode)"
	SPARSELAB_REQUIRE_NOTEBOOKS=1 $(GO) test -timeout $(TEST_TIMEOUT) ./...

lint: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...

jupyter: setup
	jupyter notebook --notebook-dir=notebooks --ip=127.0.0.1

bench: setup
	@scripts/setup.sh torch
	$(GO) run ./cmd/sparselab bench --out $(OUT)/bench

clean:
	rm -rf $(OUT)
