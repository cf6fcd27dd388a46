#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/*.cpp) with clang and runs each for SECONDS seconds
# on a temporary copy of its seed corpus fuzz/corpus/<target name without "fuzz_">/. A target
# that makes its own seeds (it reads DIGITNET_FUZZ_WRITE_SEEDS: fuzz_checkpoint writes model
# files and checkpoints from short training runs) adds them to that copy first.
# Fails if any target crashes, leaks, hangs on one input (> 10 s) or runs out of memory
# (> 2 GiB). Prints one summary line per target; logs and crashing inputs stay in
# build-fuzz/logs/ and build-fuzz/artifacts/.
#
#   scripts/fuzz.sh SECONDS
#
# DIGITNET_FUZZ_SEED (default 1) seeds libFuzzer; DIGITNET_FUZZ_RUNS=N also stops each target after
# N inputs. With both fixed the run is the same on every machine with the same compiler, which is
# what CI's smoke run uses; long runs for finding bugs use a random seed (DIGITNET_FUZZ_SEED=0).
set -euo pipefail

usage() { echo "usage: $0 SECONDS   (run each fuzz target for SECONDS seconds, SECONDS >= 1)" >&2; exit 2; }
[[ $# -eq 1 && "$1" =~ ^[0-9]+$ && "$1" -ge 1 ]] || usage
seconds="$1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-fuzz"
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (libFuzzer needs clang)" >&2; exit 1; }

shopt -s nullglob
sources=("$root"/fuzz/*.cpp)
[[ ${#sources[@]} -gt 0 ]] || { echo "fuzz.sh: no fuzz targets in $root/fuzz/" >&2; exit 1; }
targets=()
for src in "${sources[@]}"; do targets+=("$(basename "$src" .cpp)"); done

mkdir -p "$build"
# The library is instrumented too (coverage and sanitizers), not only the fuzz entry points.
# -O1 -g1 (line tables only): the sanitizers' reports still name file and line, and the build
# takes much less time than RelWithDebInfo's -O2 -g, which matters in CI's time limit.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DDIGITNET_FUZZ=ON -DDIGITNET_SANITIZE=ON -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
    -DDIGITNET_BUILD_TESTS=OFF -DDIGITNET_BUILD_BENCH=OFF -DDIGITNET_BUILD_TOOLS=OFF >"$build/configure.log" 2>&1 \
    || { cat "$build/configure.log" >&2; echo "fuzz.sh: cmake configure failed" >&2; exit 1; }
cmake --build "$build" -j2 --target "${targets[@]}" >"$build/build.log" 2>&1 \
    || { tail -n 40 "$build/build.log" >&2; echo "fuzz.sh: build failed (full log: $build/build.log)" >&2; exit 1; }

mkdir -p "$build/logs" "$build/artifacts"
work="$(mktemp -d "${TMPDIR:-/tmp}/digitnet-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

failed=0
summary=()
for target in "${targets[@]}"; do
    corpus_name="${target#fuzz_}"
    seeds="$root/fuzz/corpus/$corpus_name"
    corpus="$work/$corpus_name"
    mkdir -p "$corpus"
    seed_count=0
    if [[ -d "$seeds" ]]; then
        cp -R "$seeds/." "$corpus/"
    fi
    if grep -q DIGITNET_FUZZ_WRITE_SEEDS "$root/fuzz/$target.cpp"; then
        DIGITNET_FUZZ_WRITE_SEEDS="$corpus" "$build/fuzz/$target" >"$build/logs/$target-seeds.log" 2>&1 \
            || { cat "$build/logs/$target-seeds.log" >&2; echo "fuzz.sh: $target could not write its seeds" >&2; exit 1; }
    fi
    seed_count=$(find "$corpus" -type f | wc -l)
    log="$build/logs/$target.log"
    echo "fuzz.sh: running $target for $seconds s..." >&2
    status=0
    "$build/fuzz/$target" "$corpus" -max_total_time="$seconds" -seed="${DIGITNET_FUZZ_SEED:-1}" \
        ${DIGITNET_FUZZ_RUNS:+-runs="$DIGITNET_FUZZ_RUNS"} -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*' || echo "?")
    found=$(find "$corpus" -type f | wc -l)
    if [[ $status -eq 0 ]]; then
        line="$target: ok, ${runs} runs (at most ${seconds} s), coverage ${coverage} edges, corpus ${seed_count} -> ${found} inputs"
    else
        failed=1
        artifact=$(grep -o "Test unit written to [^ ]*" "$log" | tail -n 1 | sed 's/Test unit written to //' || true)
        line="$target: FAILED (exit $status) after ${runs} runs; input: ${artifact:-none}; log: $log"
    fi
    summary+=("$line")
done

echo "--- fuzz summary (${seconds} s per target) ---"
printf '%s\n' "${summary[@]}"
exit $failed
