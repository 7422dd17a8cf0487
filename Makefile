MODEL ?= models/SmolLM2-135M-Instruct.Q4_1.gguf
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup build release run test bench clean

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

## Install what is missing, build, and run every test.
test: setup
	swift build --build-tests
	swift test --skip-build --no-parallel

## Measure the release server on the default model; writes BENCHMARKS.md.
bench: release
	.build/release/writer-assistant-bench --model-path $(MODEL)

clean:
	rm -rf .build
