#!/usr/bin/python3
"""The PyTorch contender of bench/compare.py: the same network as digitnet, built from plain
torch.nn.Linear layers and trained with torch.optim.SGD or Adam. Prints one JSON line:
epoch_seconds, test_accuracy, inference_seconds (the 10,000 test images, median of 5).

  bench/digitnet_torch.py --config nielsen --epochs 1 --threads 1
Set OPENBLAS_NUM_THREADS / OMP_NUM_THREADS as well (compare.py does): Debian's torch may call
OpenBLAS, which reads its own thread count.
"""
import json
import os
import sys
import math
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from compare import CONFIGS, load_mnist, median, worker_arguments


def build(config, torch):
    """nn.Sequential of Linear + activation (+ Dropout on hidden layers), initialised as digitnet:
    normal: w, b ~ N(0, 1); scaled_normal: w ~ N(0, 1/n_in), b ~ N(0, 1); he: w ~ N(0, 2/n_in), b = 0."""
    nn = torch.nn
    sizes = config["sizes"]
    layers = []
    for i in range(len(sizes) - 1):
        linear = nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            if config["init"] in ("normal", "scaled_normal"):
                linear.weight.normal_(0.0, 1.0 if config["init"] == "normal" else 1.0 / math.sqrt(sizes[i]))
                linear.bias.normal_(0.0, 1.0)
            elif config["init"] == "he":
                linear.weight.normal_(0.0, math.sqrt(2.0 / sizes[i]))
                linear.bias.zero_()
            else:
                raise SystemExit(f"init {config['init']}: not written here")
        layers.append(linear)
        last = i == len(sizes) - 2
        act = config["output"] if last else config["hidden"]
        if act == "sigmoid":
            layers.append(nn.Sigmoid())
        elif act == "relu":
            layers.append(nn.ReLU())
        elif act == "softmax":
            pass  # the logits go to cross_entropy, which takes the log-softmax itself
        if not last and config["dropout"] > 0:
            layers.append(nn.Dropout(config["dropout"]))
    return nn.Sequential(*layers)


def initialise(model, init, torch):
    """Conv2d and Linear weights as digitnet draws them: w ~ N(0, σ²) with σ from the fan-in
    n_in (in_channels·kh·kw for a convolution) and fan-out n_out (out_channels·kh·kw);
    normal and scaled_normal biases ~ N(0, 1), the others 0."""
    for module in model.modules():
        if not isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            continue
        w = module.weight
        kernel = w[0, 0].numel() if w.dim() == 4 else 1
        n_in, n_out = w.shape[1] * kernel, w.shape[0] * kernel
        std = {"normal": 1.0, "scaled_normal": 1.0 / math.sqrt(n_in), "xavier": math.sqrt(2.0 / (n_in + n_out)),
               "he": math.sqrt(2.0 / n_in)}[init]
        with torch.no_grad():
            w.normal_(0.0, std)
            if init in ("normal", "scaled_normal"):
                module.bias.normal_(0.0, 1.0)
            else:
                module.bias.zero_()


def main():
    args = worker_arguments(__doc__)
    import numpy as np
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = CONFIGS[args.config]

    x_train, y_train, x_test, y_test = load_mnist(args.data)
    n = min(args.train_size, len(x_train))
    x_train = torch.from_numpy(x_train[:n])
    labels = torch.from_numpy(y_train[:n])
    targets = F.one_hot(labels, config["sizes"][-1] if "sizes" in config else 10).float()
    x_test_t = torch.from_numpy(x_test)

    if "net" in config:
        # A --net network, built as examples/load_in_pytorch.py builds a digitnet model (without the
        # final softmax: F.cross_entropy takes the logits).
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
        from load_in_pytorch import build as build_net
        words = config["net"].split()
        model, _ = build_net(" ".join(words[:-1] if words[-1] == "softmax" else words), 1, 28, 28)
        initialise(model, config["init"], torch)
        x_train = x_train.reshape(-1, 1, 28, 28)
        x_test_t = x_test_t.reshape(-1, 1, 28, 28)
        config = dict(config, cost="log-likelihood", output="softmax", lr_step=0)
    else:
        model = build(config, torch)
    if config["optimizer"] == "momentum":
        opt = torch.optim.SGD(model.parameters(), lr=config["lr"], momentum=0.9)
    elif config["optimizer"] == "sgd":
        # L2 on the weights only, λ/n with n the training-set size (as digitnet and Nielsen).
        decay = config.get("l2", 0.0) / n
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
        opt = torch.optim.SGD([dict(params=weights, weight_decay=decay), dict(params=biases)], lr=config["lr"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=config["lr"], betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.StepLR(opt, config["lr_step"], config["lr_factor"]) if config["lr_step"] else None
    quadratic = config["cost"] == "quadratic"
    batch = config["batch"]

    epoch_seconds = []
    for _ in range(args.epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            out = model(x_train[idx])
            if quadratic:
                # C = (1/n) Σ_x ½ ‖y - a‖²
                loss = 0.5 * (out - targets[idx]).pow(2).sum(dim=1).mean()
            elif config["output"] == "sigmoid":
                # C = -(1/n) Σ_x Σ_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]
                loss = F.binary_cross_entropy(out, targets[idx], reduction="none").sum(dim=1).mean()
            else:
                # C = -(1/n) Σ_x ln a_label, a = softmax(z)
                loss = F.cross_entropy(out, labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if sched:
            sched.step()
        epoch_seconds.append(time.perf_counter() - start)

    model.eval()
    times = []
    with torch.no_grad():
        for _ in range(5):
            start = time.perf_counter()
            predicted = model(x_test_t).argmax(dim=1)
            times.append(time.perf_counter() - start)
    accuracy = float((predicted.numpy() == y_test).mean())
    print(json.dumps(dict(epoch_seconds=epoch_seconds, test_accuracy=accuracy, inference_seconds=median(times),
                          torch=torch.__version__, torch_threads=torch.get_num_threads(),
                          numpy=np.__version__)))


if __name__ == "__main__":
    main()
