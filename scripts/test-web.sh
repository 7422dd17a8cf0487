#!/usr/bin/env bash
# The web app's tests: its JavaScript modules under Node, then the page in headless Chromium
# against the debug server built by `swift build --build-tests`.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE_DIR="${WRITER_ASSISTANT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/writer-assistant}"

node --test Tests/WebApp/*.test.mjs
PYTHONPATH="$CACHE_DIR/selenium-4${PYTHONPATH:+:$PYTHONPATH}" \
    python3 -m unittest discover --start-directory Tests/WebApp --pattern 'test_*.py' --verbose
