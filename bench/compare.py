#!/usr/bin/python3
"""Training and inference speed of digitnet against PyTorch and a vectorised NumPy network.

Every contender trains the same network (sizes, activations, cost, initialisation, learning
rate, mini-batch size, optimiser) on the same 50,000 MNIST training images for the same number
of epochs, with the same number of threads, each in its own process:

  digitnet  build/digitnet train ... --validation-size 0 --train-size 50000 (the first 50,000
            training images, which are exactly the training split of the 50,000/10,000 division)
  torch     bench/digitnet_torch.py   (torch.nn.Linear, torch.optim.SGD / Adam)
  numpy     bench/digitnet_numpy.py   (mini-batch matrix form of backpropagation)

Seconds per epoch are the training loop only (shuffle, batching, forward, backward, update);
loading the data and the final test evaluation are not counted for anyone.

Usage (scripts/bench.sh is the entry point; it installs what is missing and builds first):
  bench/compare.py [--epochs 3] [--threads 1,2] [--configs nielsen,mlp100,best-mlp]
                   [--contenders digitnet,torch,numpy] [--json FILE]
  bench/compare.py --scaling [--train-size 10000]
  bench/compare.py --openblas
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.dirname(os.path.abspath(__file__))
TRAIN_EXAMPLES = 50000  # Nielsen's training split: the first 50,000 of MNIST's 60,000

# The compared configurations. `digitnet` holds the flags that give digitnet this network;
# everything else is what the Python contenders build.
CONFIGS = {
    "nielsen": dict(
        description="784-30-10 sigmoid, quadratic cost, batch 10, lr 3.0, N(0,1) init, SGD",
        sizes=[784, 30, 10], hidden="sigmoid", output="sigmoid", cost="quadratic", init="normal",
        batch=10, lr=3.0, optimizer="sgd", dropout=0.0, lr_step=0, lr_factor=1.0,
        digitnet=["--preset", "nielsen"]),
    "nielsen-ch3": dict(
        description="784-100-10 sigmoid, cross-entropy, L2 lambda=5 (scaled by n = 50,000), batch 10, lr 0.5, "
                    "N(0,1/n_in) weights and N(0,1) biases, SGD",
        sizes=[784, 100, 10], hidden="sigmoid", output="sigmoid", cost="cross-entropy", init="scaled_normal",
        batch=10, lr=0.5, optimizer="sgd", dropout=0.0, lr_step=0, lr_factor=1.0, l2=5.0,
        digitnet=["--preset", "nielsen-ch3"]),
    "mlp100": dict(
        description="784-100-10 relu, softmax + log-likelihood, batch 128, lr 0.1, He init, SGD",
        sizes=[784, 100, 10], hidden="relu", output="softmax", cost="log-likelihood", init="he",
        batch=128, lr=0.1, optimizer="sgd", dropout=0.0, lr_step=0, lr_factor=1.0,
        digitnet=["--layers", "784,100,10", "--activation", "relu", "--output-activation", "softmax",
                  "--cost", "log-likelihood", "--init", "he", "--batch", "128", "--lr", "0.1",
                  "--optimizer", "sgd"]),
    "best-mlp": dict(
        description="784-800-10 relu, dropout 0.3, softmax + log-likelihood, batch 128, Adam lr 0.001, "
                    "He init, step decay x0.3 every 10 epochs; augmentation OFF for every contender",
        sizes=[784, 800, 10], hidden="relu", output="softmax", cost="log-likelihood", init="he",
        batch=128, lr=0.001, optimizer="adam", dropout=0.3, lr_step=10, lr_factor=0.3,
        digitnet=["--preset", "best-mlp", "--augment=false"]),
    # Convolutional networks: `net` is digitnet's --net text, which the PyTorch contender builds
    # with examples/load_in_pytorch.py and initialises as digitnet's preset does (`init`).
    "fast-99": dict(
        description="the fast-99 preset's network: conv 10x5x5 batchnorm relu, max-pool 2, conv 20x5x5 batchnorm relu, "
                    "max-pool 2, dense 100 relu, dense 10 softmax; batch 64, momentum 0.9 lr 0.1",
        net="conv5x5x10 batchnorm relu maxpool2 conv5x5x20 batchnorm relu maxpool2 flatten dense100 relu dense10 softmax",
        batch=64, lr=0.1, optimizer="momentum", init="he", digitnet=["--preset", "fast-99"]),
    "lenet5": dict(
        description="LeNet-5: conv 6x5x5 same tanh, avg-pool 2, conv 16x5x5 tanh, avg-pool 2, conv 120x5x5 tanh, "
                    "dense 84 tanh, dense 10 softmax; batch 64, momentum 0.9 lr 0.05",
        net="conv5x5x6:same tanh avgpool2 conv5x5x16 tanh avgpool2 conv5x5x120 tanh flatten dense84 tanh dense10 softmax",
        batch=64, lr=0.05, optimizer="momentum", init="xavier", digitnet=["--preset", "lenet5"]),
    "nielsen-ch6": dict(
        description="Nielsen ch. 6: conv 20x5x5 sigmoid, max-pool 2, conv 40x5x5 sigmoid, max-pool 2, dense 100 "
                    "sigmoid, dense 10 softmax; batch 10, SGD lr 0.1",
        net="conv5x5x20 sigmoid maxpool2 conv5x5x40 sigmoid maxpool2 flatten dense100 sigmoid dense10 softmax",
        batch=10, lr=0.1, optimizer="sgd", init="scaled_normal", digitnet=["--preset", "nielsen-ch6-two-conv"]),
}
CNN_CONFIGS = [name for name, c in CONFIGS.items() if "net" in c]


# ---------------------------------------------------------------- shared by the Python contenders

def load_idx(images_path, labels_path):
    """IDX files: images magic 0x00000803 (n, rows, cols, uint8 pixels), labels magic 0x00000801."""
    import numpy as np
    with open(images_path, "rb") as f:
        raw = f.read()
    magic, n, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 0x803 or len(raw) != 16 + int(n) * int(rows) * int(cols):
        raise SystemExit(f"{images_path}: not an IDX image file of the expected size")
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(int(n), int(rows) * int(cols))
    with open(labels_path, "rb") as f:
        raw = f.read()
    magic, m = np.frombuffer(raw[:8], dtype=">u4")
    if magic != 0x801 or m != n or len(raw) != 8 + int(m):
        raise SystemExit(f"{labels_path}: not an IDX label file matching {images_path}")
    labels = np.frombuffer(raw, dtype=np.uint8, offset=8).astype(np.int64)
    return images, labels


def load_mnist(data_dir):
    """(x_train, y_train, x_test, y_test): the first 50,000 training images and the 10,000 test
    images, float32 pixels in [0, 1] (pixel / 255, as digitnet does), int64 labels."""
    import numpy as np
    tr_x, tr_y = load_idx(os.path.join(data_dir, "train-images-idx3-ubyte"),
                          os.path.join(data_dir, "train-labels-idx1-ubyte"))
    te_x, te_y = load_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"),
                          os.path.join(data_dir, "t10k-labels-idx1-ubyte"))
    scale = np.float32(1.0 / 255.0)
    x_train = tr_x[:TRAIN_EXAMPLES].astype(np.float32) * scale
    x_test = te_x.astype(np.float32) * scale
    return x_train, tr_y[:TRAIN_EXAMPLES].copy(), x_test, te_y.copy()


def worker_arguments(description):
    """Command line of a Python contender (bench/digitnet_torch.py, bench/digitnet_numpy.py)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--config", required=True, choices=sorted(CONFIGS))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", default=os.path.join(ROOT, "data", "mnist"))
    p.add_argument("--train-size", type=int, default=TRAIN_EXAMPLES)
    return p.parse_args()


def median(values):
    s = sorted(values)
    return s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])


# ---------------------------------------------------------------- running the contenders

def thread_env(threads):
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return env


def run_measured(cmd, env=None, cwd=ROOT):
    """Runs cmd, returns (stdout, stderr, peak resident memory in MB from wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {stderr.strip()[-2000:]}")
    return stdout, stderr, usage.ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux


def run_digitnet(args, name, threads, train_size=TRAIN_EXAMPLES, extra=None):
    flags = CONFIGS[name]["digitnet"] if extra is None else extra
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "metrics.jsonl")
        cmd = [args.digitnet, "train", *flags, "--epochs", str(args.epochs), "--quiet",
               "--threads", str(threads), "--seed", "1", "--no-test-each-epoch",
               "--validation-size", "0", "--train-size", str(train_size),
               "--data", args.data, "--metrics", metrics]
        stdout, _, rss = run_measured(cmd, env=thread_env(threads))
        with open(metrics) as f:
            seconds = [json.loads(line)["seconds"] for line in f if line.strip()]
    m = re.search(r"test accuracy: ([0-9.]+)%", stdout)
    return dict(epoch_seconds=seconds, test_accuracy=float(m.group(1)) / 100 if m else None,
                peak_rss_mb=rss, command=" ".join(cmd[:-2]))


def run_python(args, contender, name, threads):
    script = os.path.join(BENCH, f"digitnet_{contender}.py")
    cmd = [sys.executable, script, "--config", name, "--epochs", str(args.epochs),
           "--threads", str(threads), "--data", args.data]
    stdout, _, rss = run_measured(cmd, env=thread_env(threads))
    result = json.loads(stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = rss
    return result


def run_bench_kernels(args, threads):
    """digitnet's inference of the 10,000 test images and plain sgemm of the mlp100 shapes,
    from build-bench/bench/bench_kernels (median of 5 repetitions, wall-clock time)."""
    if not args.bench_kernels or not os.access(args.bench_kernels, os.X_OK):
        return None
    pattern = ("BM_Inference10k/.*/chunk:1000/|"
               "BM_Gemm(Forward|GradWeights|GradInput)/batch:128/in:(784/out:100|100/out:10)/")
    cmd = [args.bench_kernels, f"--threads={threads}", f"--benchmark_filter={pattern}",
           "--benchmark_format=json", "--benchmark_repetitions=5",
           "--benchmark_report_aggregates_only=true"]
    stdout, _, _ = run_measured(cmd, env=thread_env(threads))
    out = {}
    for b in json.loads(stdout)["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        out[b["run_name"]] = b["real_time"] * unit
    return out


# mlp100's products per example in one training step (2 m n k each; m = batch):
#   layer 1 (784->100): forward x Wᵀ, ∂C/∂W = deltaᵀ x   (its ∂C/∂x is never needed)
#   layer 2 (100->10):  forward, ∂C/∂W, ∂C/∂x = delta W
MLP100_SHAPES = [("BM_GemmForward", 784, 100), ("BM_GemmGradWeights", 784, 100),
                 ("BM_GemmForward", 100, 10), ("BM_GemmGradWeights", 100, 10), ("BM_GemmGradInput", 100, 10)]
MLP100_FLOPS_PER_EXAMPLE = sum(2 * n_in * n_out for _, n_in, n_out in MLP100_SHAPES)
# The issue's count: 3 products per layer, including the first layer's ∂C/∂x.
MLP100_NOMINAL_FLOPS_PER_EXAMPLE = 3 * 2 * (784 * 100 + 100 * 10)


def sgemm_gflops(kernels):
    flops = seconds = 0.0
    for bench, n_in, n_out in MLP100_SHAPES:
        key = f"{bench}/batch:128/in:{n_in}/out:{n_out}/min_time:0.050"
        if key not in kernels:
            return None
        flops += 2.0 * 128 * n_in * n_out
        seconds += kernels[key]
    return flops / seconds / 1e9


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def compare(args):
    configs = [c for c in args.configs.split(",") if c]
    contenders = [c for c in args.contenders.split(",") if c]
    threads_list = [int(t) for t in args.threads.split(",") if t]
    for c in configs:
        if c not in CONFIGS:
            raise SystemExit(f"--configs: expected names from {', '.join(CONFIGS)}, found '{c}'")
    have_torch = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0
    have_numpy = subprocess.run([sys.executable, "-c", "import numpy"], capture_output=True).returncode == 0
    if "torch" in contenders and not have_torch:
        print(f"torch: not importable by {sys.executable}; skipping the PyTorch contender "
              "(install python3-torch, or run scripts/bench.sh)")
        contenders.remove("torch")
    if "numpy" in contenders and not have_numpy:
        print(f"numpy: not importable by {sys.executable}; skipping the NumPy contender")
        contenders.remove("numpy")

    print(f"# {args.epochs} epoch(s) of {TRAIN_EXAMPLES} examples; threads {args.threads}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    for name in configs:
        print(f"#   {name}: {CONFIGS[name]['description']}")
    rows, kernels = [], {}
    for threads in threads_list:
        kernels[threads] = run_bench_kernels(args, threads) if "digitnet" in contenders else None
        for name in configs:
            for contender in contenders:
                if contender == "numpy" and name in CNN_CONFIGS:
                    continue  # the NumPy contender has no convolutions
                print(f"  running {name} / {threads} thread(s) / {contender} ...", file=sys.stderr, flush=True)
                if contender == "digitnet":
                    r = run_digitnet(args, name, threads)
                else:
                    r = run_python(args, contender, name, threads)
                r.update(config=name, threads=threads, contender=contender)
                r["seconds_per_epoch"] = median(r["epoch_seconds"])
                rows.append(r)

    def find(name, threads, contender):
        for r in rows:
            if (r["config"], r["threads"], r["contender"]) == (name, threads, contender):
                return r
        return None

    print()
    print(f"{'config':9} {'thr':>3} {'contender':9} {'s/epoch':>8} {'examples/s':>11} {'test acc':>8} "
          f"{'ratio':>6} {'peak MiB':>8}")
    for r in rows:
        base = find(r["config"], r["threads"], "digitnet")
        ratio = r["seconds_per_epoch"] / base["seconds_per_epoch"] if base else None
        acc = r.get("test_accuracy")
        print(f"{r['config']:9} {r['threads']:>3} {r['contender']:9} {r['seconds_per_epoch']:8.3f} "
              f"{TRAIN_EXAMPLES / r['seconds_per_epoch']:11.0f} {fmt(acc and 100 * acc, '7.2f')}% "
              f"{fmt(ratio, '6.2f')} {r['peak_rss_mb']:8.0f}")
    print("ratio = contender s/epoch / digitnet s/epoch (above 1: digitnet is faster); "
          "peak MiB = maximum resident set size of the whole process (wait4)")

    # Inference of the 10,000 test images.
    print()
    print("inference of the 10,000 test images (digitnet: bench_kernels BM_Inference10k, batches of 1,000; "
          "python: model(x) on all 10,000, median of 5)")
    print(f"{'config':9} {'thr':>3} {'contender':9} {'ms':>8} {'ratio':>6}")
    for threads in threads_list:
        for name in configs:
            k = kernels.get(threads)
            d_key = f"BM_Inference10k/{name}/chunk:1000/min_time:0.050"
            d = k.get(d_key) if k else None
            if "digitnet" in contenders:
                print(f"{name:9} {threads:>3} {'digitnet':9} {fmt(d and 1e3 * d, '8.2f')} {'1.00' if d else '-':>6}")
            for contender in contenders:
                if contender == "digitnet":
                    continue
                r = find(name, threads, contender)
                s = r.get("inference_seconds") if r else None
                print(f"{name:9} {threads:>3} {contender:9} {fmt(s and 1e3 * s, '8.2f')} "
                      f"{fmt(s / d if s and d else None, '6.2f')}")
    if "digitnet" in contenders and not any(kernels.values()):
        print(f"(no {args.bench_kernels}: build it with scripts/bench.sh for digitnet's inference and sgemm figures)")

    # GFLOP/s of digitnet's mlp100 epoch next to plain sgemm of the same shapes.
    if "mlp100" in configs and "digitnet" in contenders:
        print()
        print("mlp100 (batch 128): GFLOP/s of digitnet's training epoch vs plain sgemm of the same shapes")
        for threads in threads_list:
            r = find("mlp100", threads, "digitnet")
            epoch = TRAIN_EXAMPLES * MLP100_FLOPS_PER_EXAMPLE / r["seconds_per_epoch"] / 1e9
            nominal = TRAIN_EXAMPLES * MLP100_NOMINAL_FLOPS_PER_EXAMPLE / r["seconds_per_epoch"] / 1e9
            sg = sgemm_gflops(kernels[threads]) if kernels.get(threads) else None
            print(f"  {threads} thread(s): epoch {epoch:6.1f} GFLOP/s (products performed; {nominal:.1f} counting "
                  f"3 per layer)  sgemm {fmt(sg, '6.1f')} GFLOP/s  epoch/sgemm {fmt(sg and epoch / sg * 100, '.0f')}%")

    # The issue's targets.
    print()
    print("targets")
    data_mb = 70000 * 784 * 4 / 2**20  # float32 pixels of the 60,000 training and 10,000 test images

    def target(text, value, ok, ceiling=None):
        if value is None:
            print(f"  {text}: not measured")
            return
        # ceiling: the ratio an engine doing every multiply-add of the dense products would reach
        # with no other cost, at the plain sgemm GFLOP/s measured here for mlp100's shapes; shown for
        # a missed mlp100 target. digitnet can pass it only by skipping the zeros of the images.
        note = f" (dense ceiling here {ceiling:.1f}x: every product's multiply-adds at plain sgemm speed)" \
            if ceiling is not None and not ok else ""
        print(f"  {text}: {value} -> {'met' if ok else 'NOT met'}{note}")

    def ceiling(torch_seconds, gflop, threads):
        sg = sgemm_gflops(kernels[threads]) if kernels.get(threads) else None
        return torch_seconds / (gflop / sg) if sg else None

    for threads in threads_list:
        t = find("nielsen", threads, "torch"), find("nielsen", threads, "digitnet")
        if all(t):
            ratio = t[0]["seconds_per_epoch"] / t[1]["seconds_per_epoch"]
            target(f"nielsen, {threads} thr: >= 10x faster than PyTorch per epoch", f"{ratio:.1f}x", ratio >= 10)
        t = find("mlp100", threads, "torch"), find("mlp100", threads, "digitnet")
        if all(t):
            ratio = t[0]["seconds_per_epoch"] / t[1]["seconds_per_epoch"]
            target(f"mlp100, {threads} thr: >= 4x faster than PyTorch per epoch", f"{ratio:.1f}x", ratio >= 4,
                   ceiling(t[0]["seconds_per_epoch"], TRAIN_EXAMPLES * MLP100_FLOPS_PER_EXAMPLE / 1e9, threads))
        r = find("mlp100", threads, "digitnet")
        if r and kernels.get(threads):
            sg = sgemm_gflops(kernels[threads])
            epoch = TRAIN_EXAMPLES * MLP100_FLOPS_PER_EXAMPLE / r["seconds_per_epoch"] / 1e9
            if sg:
                target(f"mlp100, {threads} thr: >= 50% of plain sgemm GFLOP/s", f"{epoch / sg * 100:.0f}%",
                       epoch / sg >= 0.5)
        for name in CNN_CONFIGS:
            t = find(name, threads, "torch"), find(name, threads, "digitnet")
            if all(t):
                ratio = t[0]["seconds_per_epoch"] / t[1]["seconds_per_epoch"]
                target(f"{name}, {threads} thr: >= 3x faster than PyTorch per epoch", f"{ratio:.1f}x", ratio >= 3)
        for name in configs:
            k = kernels.get(threads)
            d = k.get(f"BM_Inference10k/{name}/chunk:1000/min_time:0.050") if k else None
            r = find(name, threads, "torch")
            if d and r and r.get("inference_seconds"):
                ratio = r["inference_seconds"] / d
                # The sgemm figure is of mlp100's shapes, so only mlp100 gets a ceiling.
                sizes = CONFIGS[name].get("sizes", [1])
                gflop = 10000 * sum(2 * a * b for a, b in zip(sizes, sizes[1:])) / 1e9
                target(f"{name}, {threads} thr: inference >= 3x faster than PyTorch", f"{ratio:.1f}x", ratio >= 3,
                       ceiling(r["inference_seconds"], gflop, threads) if name == "mlp100" else None)
    for r in rows:
        if r["contender"] == "digitnet" and r["threads"] == threads_list[0]:
            allowance = 150 if r["config"] in CNN_CONFIGS else 100
            target(f"{r['config']}: peak memory while training <= float32 data ({data_mb:.0f} MiB) + {allowance} MB",
                   f"{r['peak_rss_mb']:.0f} MiB", r["peak_rss_mb"] <= data_mb + allowance)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(rows=rows, kernels={str(k): v for k, v in kernels.items()}, epochs=args.epochs), f, indent=1)
        print(f"\nraw results written to {args.json}")


def scaling(args):
    """digitnet's epoch time against the hidden size and the mini-batch size."""
    n = args.train_size
    base = ["--activation", "relu", "--output-activation", "softmax", "--cost", "log-likelihood", "--init", "he",
            "--lr", "0.1", "--optimizer", "sgd"]
    threads = int(args.threads.split(",")[0])
    print(f"# digitnet epoch time, {threads} thread(s), 784-H-10 relu/softmax log-likelihood, SGD lr 0.1; "
          f"{n} training examples timed, seconds per {TRAIN_EXAMPLES}-example epoch extrapolated "
          f"(x {TRAIN_EXAMPLES / n:g}); {time.strftime('%Y-%m-%d %H:%M')}")
    print()
    print("hidden size (batch 32)")
    print(f"{'hidden':>7} {'s/epoch':>8} {'examples/s':>11} {'GFLOP/s':>8}")
    one_epoch = argparse.Namespace(**{**vars(args), "epochs": 1})
    for hidden in (30, 100, 300, 1000):
        flags = ["--layers", f"784,{hidden},10", "--batch", "32", *base]
        s = run_digitnet(one_epoch, None, threads, train_size=n, extra=flags)["epoch_seconds"][0]
        per_epoch = s * TRAIN_EXAMPLES / n
        flops = TRAIN_EXAMPLES * (4 * 784 * hidden + 6 * hidden * 10)
        print(f"{hidden:>7} {per_epoch:8.3f} {n / s:11.0f} {flops / per_epoch / 1e9:8.1f}")
    print()
    print("mini-batch size (hidden 100)")
    print(f"{'batch':>7} {'s/epoch':>8} {'examples/s':>11} {'GFLOP/s':>8}")
    batch = 1
    while batch <= 1024:
        flags = ["--layers", "784,100,10", "--batch", str(batch), *base]
        s = run_digitnet(one_epoch, None, threads, train_size=n, extra=flags)["epoch_seconds"][0]
        per_epoch = s * TRAIN_EXAMPLES / n
        flops = TRAIN_EXAMPLES * MLP100_FLOPS_PER_EXAMPLE
        print(f"{batch:>7} {per_epoch:8.3f} {n / s:11.0f} {flops / per_epoch / 1e9:8.1f}")
        batch *= 2




def openblas(args):
    """Which OpenBLAS kernels digitnet runs here, and sgemm GFLOP/s of the presets' shapes under
    each choice: the machine's environment as it is, OPENBLAS_CORETYPE unset, and each core forced
    (DIGITNET_BLAS_CORE, which digitnet passes on to OpenBLAS)."""
    if not args.bench_kernels or not os.access(args.bench_kernels, os.X_OK):
        raise SystemExit(f"--bench-kernels: {args.bench_kernels} is not built (scripts/bench.sh builds it)")
    threads = int(args.threads.split(",")[0])
    pattern = "BM_Gemm(Forward|GradWeights)/batch:(10|128)/in:784/out:(30|100|800)/"
    rows = {}
    given = os.environ.get("OPENBLAS_CORETYPE")
    for core in (None, "", "Haswell", "SkylakeX", "Cooperlake"):
        env = thread_env(threads)
        env.pop("DIGITNET_BLAS_CORE", None)
        if core is not None:
            env.pop("OPENBLAS_CORETYPE", None)
        if core:
            env["DIGITNET_BLAS_CORE"] = core
        version = subprocess.run([args.digitnet, "--version"], env=env, capture_output=True, text=True).stdout
        match = re.search(r"OpenBLAS kernels: ([^)]*)", version)
        stdout, _, _ = run_measured([args.bench_kernels, f"--threads={threads}", f"--benchmark_filter={pattern}",
                                     "--benchmark_format=json", "--benchmark_repetitions=3",
                                     "--benchmark_report_aggregates_only=true"], env=env)
        gflops = {b["run_name"].replace("/min_time:0.050", ""): b["GFLOP/s"]
                  for b in json.loads(stdout)["benchmarks"] if b.get("aggregate_name") == "median"}
        label = "as given" if core is None else core or "not set"
        rows[label] = (match.group(1) if match else "?", gflops)
    shapes = list(next(iter(rows.values()))[1])
    print(f"# sgemm GFLOP/s (median of 3, per CPU-second of the calling thread), {threads} thread(s); "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"#   as given: the environment as it is (OPENBLAS_CORETYPE={given or 'unset'})")
    print("#   not set: OPENBLAS_CORETYPE unset; other columns: DIGITNET_BLAS_CORE=<column>")
    for label, (name, _) in rows.items():
        print(f"#   {label}: digitnet runs OpenBLAS's {name} kernels")
    print(f"{'shape':42}" + "".join(f"{c:>11}" for c in rows))
    for shape in shapes:
        print(f"{shape:42}" + "".join(f"{rows[c][1].get(shape, float('nan')):11.1f}" for c in rows))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=3,
                   help="epochs each contender trains; s/epoch is their median (default 3: the first "
                        "epoch of every contender pays for warming caches and allocators)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts (default 1,2)")
    p.add_argument("--configs", default="nielsen,mlp100,best-mlp", help="which configurations")
    p.add_argument("--contenders", default="digitnet,torch,numpy", help="which contenders")
    p.add_argument("--digitnet", default=os.path.join(ROOT, "build", "digitnet"), help="the digitnet program")
    p.add_argument("--bench-kernels", default=os.path.join(ROOT, "build-bench", "bench", "bench_kernels"),
                   help="the kernel benchmark program (inference and sgemm figures)")
    p.add_argument("--data", default=os.path.join(ROOT, "data", "mnist"), help="folder with the MNIST IDX files")
    p.add_argument("--json", help="also write the raw results here")
    p.add_argument("--scaling", action="store_true", help="digitnet's epoch time vs hidden size and batch size")
    p.add_argument("--train-size", type=int, default=10000, help="examples timed in --scaling (default 10000)")
    p.add_argument("--openblas", action="store_true",
                   help="which OpenBLAS kernel is used, and sgemm GFLOP/s under other OPENBLAS_CORETYPE values")
    args = p.parse_args()
    if args.epochs < 1:
        raise SystemExit(f"--epochs: expected 1 or more, found {args.epochs}")
    if not os.access(args.digitnet, os.X_OK):
        raise SystemExit(f"--digitnet: {args.digitnet} is not an executable (build it: cmake --build build)")
    if args.openblas:
        openblas(args)
    elif args.scaling:
        if not 1 <= args.train_size <= TRAIN_EXAMPLES:
            raise SystemExit(f"--train-size: expected 1..{TRAIN_EXAMPLES}, found {args.train_size}")
        scaling(args)
    else:
        compare(args)


if __name__ == "__main__":
    main()
