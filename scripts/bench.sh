#!/usr/bin/env bash
# digitnet benchmarks: speed against PyTorch and NumPy, and how the epoch time scales.
#   scripts/bench.sh                      compare training (1 epoch) and inference, 1 and 2 threads
#   scripts/bench.sh --epochs 3 --threads 2 --configs mlp100
#   scripts/bench.sh --scaling            digitnet's epoch time vs hidden size and mini-batch size
#   scripts/bench.sh --kernels [FLAGS]    the Google Benchmark kernel benchmarks (FLAGS go to it)
# Every other argument goes to bench/compare.py (see bench/compare.py --help).
# Set-up done here, not by scripts/setup.sh: installs python3-numpy and python3-torch when
# missing (through sudo when not root), builds build/ (the CLI) and build-bench/ (the benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '== %s\n' "$*" >&2; }
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# The Debian packages' modules live in the system interpreter, not in a pyenv or venv one.
python=/usr/bin/python3
[ -x "$python" ] || python=$(command -v python3)

# --- 1. Python contenders (Debian packages) ---
missing=()
for p in python3-numpy python3-torch; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages for the comparison: ${missing[*]} (python3-torch is large)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo_cmd[@]}" apt-get update -qq && "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    say "could not install ${missing[*]}; the comparison skips the contenders it cannot import"
  fi
fi

# --- 2. builds: the CLI in build/, the kernel benchmarks in build-bench/ ---
jobs=${BENCH_JOBS:-2}
if [ ! -f build/CMakeCache.txt ]; then
  say "configuring build/"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
say "building build/digitnet"
cmake --build build -j"$jobs" --target digitnet_cli >/dev/null
if [ ! -f build-bench/CMakeCache.txt ]; then
  say "configuring build-bench/"
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DDIGITNET_BUILD_BENCH=ON -DDIGITNET_BUILD_TESTS=OFF >/dev/null
fi
say "building build-bench/bench/bench_kernels"
cmake --build build-bench -j"$jobs" --target bench_kernels >/dev/null

# --- 3. run ---
if [ "${1:-}" = "--kernels" ]; then
  shift
  exec build-bench/bench/bench_kernels "$@"
fi
exec "$python" bench/compare.py --digitnet build/digitnet --bench-kernels build-bench/bench/bench_kernels "$@"
