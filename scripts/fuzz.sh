#!/usr/bin/env bash
# Builds the libFuzzer harnesses under fuzz/ and runs each for RUNS inputs (default one million),
# starting from the seeds in fuzz/seeds/ and the corpus in fuzz/corpus/. UPDATE_CORPUS=1 merges
# the run's finds back into the corpus, kept to the inputs of up to 1 KB that reach code no other
# does. A crash leaves its input in fuzz/crashers/. The Swift tests replay seeds, corpus and
# crashers on every run.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-1000000}"
SCRATCH=.build-fuzz
mkdir -p "$SCRATCH" fuzz/crashers
# The system's gold linker cannot link libFuzzer's instrumented Swift objects; the toolchain's lld can.
cat > "$SCRATCH/toolset.json" <<JSON
{
  "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": ["-sanitize=fuzzer", "-parse-as-library"] },
  "linker": { "path": "$(dirname "$(command -v swift)")/ld.lld" }
}
JSON
(cd fuzz && swift build -c release --scratch-path "../$SCRATCH" --toolset "../$SCRATCH/toolset.json")

for harness in request answer; do
    binary="$SCRATCH/release/Fuzz${harness^}"
    work="$SCRATCH/corpus-$harness"
    mkdir -p "$work"
    started=$(date +%s)
    mkdir -p "fuzz/corpus/$harness"
    "$binary" "$work" "fuzz/seeds/$harness" "fuzz/corpus/$harness" -runs="$RUNS" -max_len=8192 -timeout=10 \
        -artifact_prefix="fuzz/crashers/$harness-" -print_final_stats=1 2>&1 | tail -n 12
    echo "$harness: $RUNS inputs in $(( $(date +%s) - started )) s, no crash"
    # With UPDATE_CORPUS=1, the committed corpus becomes the short inputs that reach new code;
    # otherwise it is left as it is (the run's finds stay in $work).
    if [ "${UPDATE_CORPUS:-0}" = 1 ]; then
        merged="$SCRATCH/merged-$harness"
        rm -rf "$merged" && mkdir -p "$merged"
        "$binary" -merge=1 -max_len=1024 "$merged" "fuzz/corpus/$harness" "$work" >/dev/null 2>&1
        rm -rf "fuzz/corpus/$harness" && mv "$merged" "fuzz/corpus/$harness"
    fi
done
