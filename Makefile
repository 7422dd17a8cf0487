MODEL ?= models/SmolLM2-135M-Instruct.Q4_1.gguf
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup setup-test build release run test test-web screenshot settings-table bench eval fuzz reliability clean

## Install the llama.cpp library and the default model (idempotent).
setup:
	@scripts/setup.sh

build: setup
	swift build

release: setup
	swift build -c release

## Build and serve on $(HOST):$(PORT) with the default model.
run: release
	.build/release/writer-assistant serve --model-path $(MODEL) --host $(HOST) --port $(PORT)

## Install what building and testing need.
setup-test:
	@scripts/setup.sh --test

## Install what is missing, build, and run every test: Swift (beside a throwaway PostgreSQL for
## the library's tests), then the web app's.
test: setup-test
	swift build --build-tests
	scripts/with-postgres.sh swift test --skip-build --no-parallel
	scripts/test-web.sh

## Only the web app's tests (after `make test` has built the server once).
test-web: setup-test
	swift build
	scripts/test-web.sh

## Refresh the README's screenshot of the web app.
screenshot: setup-test
	swift build
	WRITER_ASSISTANT_SCREENSHOT=docs/web-app.png PYTHONPATH=$${WRITER_ASSISTANT_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/writer-assistant}/selenium-4 \
		python3 -m unittest Tests.WebApp.test_browser.WebAppTests.test_a_panel_of_raters_streams_each_card_to_its_result

## Rewrite the settings table of docs/configuration.md from the settings' declarations.
settings-table: build
	.build/debug/writer-assistant settings-table docs/configuration.md

## Measure the release server on the default model; writes BENCHMARKS.md.
bench: release
	@scripts/setup.sh --model-server
	.build/release/writer-assistant-bench --model-path $(MODEL)

clean:
	rm -rf .build .build-fuzz

## Measure answer quality on the eval corpus with the default model; writes QUALITY.md.
eval: release
	.build/release/writer-assistant-eval --model-path $(MODEL)

## Fuzz the request decoder and the answer parser with libFuzzer (RUNS inputs each, default 1M).
fuzz: setup
	scripts/fuzz.sh

## Load, abandonment, fault, fuzz and soak trials (about 45 minutes); writes RELIABILITY.md.
reliability: release
	.build/release/writer-assistant-reliability --model-path $(MODEL)
