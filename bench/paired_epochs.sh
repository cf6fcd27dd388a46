#!/usr/bin/env bash
# Two builds of digitnet against each other on this project's 2-core machine, where the host's speed
# moves by 10-25% within minutes: A and B train the same short epoch at the same time, one on each
# core (1 thread each), then again with the cores swapped, ROUNDS times. Each pair shares the host's
# state of the moment, so a few pairs tell a difference of a few per cent that runs one after
# another hide. Prints every run's training-loop seconds and each build's median.
#   bench/paired_epochs.sh A B [PRESET] [ROUNDS] [TRAIN_SIZE]
#   bench/paired_epochs.sh /tmp/old/digitnet build/digitnet lenet5 3
set -euo pipefail
if [[ $# -lt 2 ]]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
a=$1 b=$2 preset=${3:-fast-99} rounds=${4:-3} train_size=${5:-10000}
for bin in "$a" "$b"; do
    [[ -x $bin ]] || { echo "bench/paired_epochs.sh: $bin is not an executable digitnet" >&2; exit 2; }
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench/paired_epochs.sh: ROUNDS must be a positive whole number, got '$rounds'" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

one() {  # BIN CORE TAG: one epoch, its training-loop seconds into $tmp/TAG.seconds
    OPENBLAS_NUM_THREADS=1 taskset -c "$2" "$1" train --preset "$preset" --seed 3 --epochs 1 \
        --train-size "$train_size" --validation-size 1000 --no-test-each-epoch --threads 1 --quiet \
        --metrics "$tmp/$3.jsonl" -o "$tmp/$3.safetensors" > "$tmp/$3.log" 2>&1 ||
        { echo "bench/paired_epochs.sh: $1 failed:" >&2; cat "$tmp/$3.log" >&2; exit 1; }
    python3 -c "import json, sys; print(json.loads(open(sys.argv[1]).readlines()[-1])['train_seconds'])" \
        "$tmp/$3.jsonl" >> "$tmp/$4.seconds"
}
for ((i = 0; i < rounds; ++i)); do
    one "$a" 0 x a & one "$b" 1 y b & wait
    one "$b" 0 x b & one "$a" 1 y a & wait
done
python3 - "$tmp" "$a" "$b" "$preset" <<'PY'
import statistics, sys
tmp, a, b, preset = sys.argv[1:]
for tag, name in (("a", a), ("b", b)):
    s = sorted(float(line) for line in open(f"{tmp}/{tag}.seconds"))
    print(f"{preset}  {name}: median {statistics.median(s):.3f} s  ({', '.join(f'{v:.3f}' for v in s)})")
PY
