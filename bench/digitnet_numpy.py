#!/usr/bin/python3
"""The NumPy contender of bench/compare.py: Nielsen's network2.py backpropagation, but in
mini-batch matrix form (one example per row, one matrix product per layer per batch), float32.
Prints one JSON line: epoch_seconds, test_accuracy, inference_seconds (median of 5).

  OPENBLAS_NUM_THREADS=1 bench/digitnet_numpy.py --config mlp100 --epochs 1

For a mini-batch X (B, n_in), layer l with weights W (n_out, n_in) and biases b (n_out):
  forward    z = a_prev Wᵀ + b,  a = σ(z)
  output     delta^L = (a - y) ⊙ σ'(z)       quadratic cost
             delta^L = a - y                  softmax + log-likelihood, sigmoid + cross-entropy
  backward   ∂C/∂W = (1/B) deltaᵀ a_prev,  ∂C/∂b = (1/B) Σ_rows delta
             delta^{l-1} = (delta W) ⊙ σ'(z^{l-1})
"""
import json
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from compare import CONFIGS, load_mnist, median, worker_arguments


def main():
    args = worker_arguments(__doc__)
    import numpy as np
    config = CONFIGS[args.config]
    rng = np.random.default_rng(args.seed)
    f32 = np.float32

    x_train, y_train, x_test, y_test = load_mnist(args.data)
    n = min(args.train_size, len(x_train))
    x_train, y_train = x_train[:n], y_train[:n]
    sizes = config["sizes"]
    eye = np.eye(sizes[-1], dtype=f32)

    # Weights as digitnet draws them: normal -> w, b ~ N(0, 1); scaled_normal -> w ~ N(0, 1/n_in),
    # b ~ N(0, 1); he -> w ~ N(0, 2/n_in), b = 0.
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if config["init"] in ("normal", "scaled_normal"):
            scale = f32(1.0) if config["init"] == "normal" else f32(1.0 / np.sqrt(n_in))
            weights.append(rng.standard_normal((n_out, n_in), dtype=f32) * scale)
            biases.append(rng.standard_normal(n_out, dtype=f32))
        else:
            weights.append((rng.standard_normal((n_out, n_in), dtype=f32) * f32(np.sqrt(2.0 / n_in))))
            biases.append(np.zeros(n_out, dtype=f32))
    params = weights + biases

    def activate(kind, z):
        if kind == "sigmoid":
            with np.errstate(over="ignore"):
                return f32(1.0) / (f32(1.0) + np.exp(-z))
        if kind == "relu":
            return np.maximum(z, f32(0.0))
        # softmax per row, shifted by the row's maximum
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def derivative(kind, z, a):
        return a * (f32(1.0) - a) if kind == "sigmoid" else (z > 0).astype(f32)

    def forward(x, train=False):
        a, cache = x, []
        for l, (w, b) in enumerate(zip(weights, biases)):
            last = l == len(weights) - 1
            kind = config["output"] if last else config["hidden"]
            z = a @ w.T + b
            a_new = activate(kind, z)
            mask = None
            if train and not last and config["dropout"] > 0:
                # inverted dropout: keep with probability 1-p, scale by 1/(1-p)
                p = config["dropout"]
                mask = (rng.random(a_new.shape, dtype=f32) >= p).astype(f32) * f32(1.0 / (1.0 - p))
            cache.append((a, z, a_new, mask, kind))
            a = a_new * mask if mask is not None else a_new
        return a, cache

    def gradients(x, y):
        out, cache = forward(x, train=True)
        batch = f32(1.0 / len(x))
        a_prev, z, a, _, kind = cache[-1]
        if config["cost"] == "quadratic":
            delta = (out - y) * derivative(kind, z, a)
        else:
            delta = out - y
        grads_w, grads_b = [None] * len(weights), [None] * len(weights)
        for l in range(len(weights) - 1, -1, -1):
            a_prev = cache[l][0]
            grads_w[l] = (delta.T @ a_prev) * batch
            grads_b[l] = delta.sum(axis=0) * batch
            if l > 0:
                _, z_below, a_below, mask, kind_below = cache[l - 1]
                g = delta @ weights[l]
                if mask is not None:
                    g *= mask
                delta = g * derivative(kind_below, z_below, a_below)
        return grads_w + grads_b

    lr = f32(config["lr"])
    adam = config["optimizer"] == "adam"
    m = [np.zeros_like(p) for p in params] if adam else None
    v = [np.zeros_like(p) for p in params] if adam else None
    beta1, beta2, eps, t = f32(0.9), f32(0.999), f32(1e-8), 0
    batch = config["batch"]

    epoch_seconds = []
    for epoch in range(args.epochs):
        if config["lr_step"] and epoch and epoch % config["lr_step"] == 0:
            lr = f32(lr * config["lr_factor"])
        start = time.perf_counter()
        order = rng.permutation(n)
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            grads = gradients(x_train[idx], eye[y_train[idx]])
            if adam:
                # m ← β1 m + (1-β1) g; v ← β2 v + (1-β2) g²; w ← w - η m̂ / (√v̂ + ε)
                t += 1
                c1, c2 = f32(1.0 - beta1 ** t), f32(1.0 - beta2 ** t)
                for p, g, mp, vp in zip(params, grads, m, v):
                    mp *= beta1
                    mp += (1 - beta1) * g
                    vp *= beta2
                    vp += (1 - beta2) * g * g
                    p -= lr * (mp / c1) / (np.sqrt(vp / c2) + eps)
            else:
                # L2 (weights only): ∂/∂w [λ/(2n) Σ w²] = (λ/n) w, with n the training-set size
                l2 = f32(config.get("l2", 0.0) / n)
                for k, (p, g) in enumerate(zip(params, grads)):
                    p -= lr * (g + l2 * p) if l2 and k < len(weights) else lr * g
        epoch_seconds.append(time.perf_counter() - start)

    times = []
    for _ in range(5):
        start = time.perf_counter()
        predicted = forward(x_test)[0].argmax(axis=1)
        times.append(time.perf_counter() - start)
    accuracy = float((predicted == y_test).mean())
    print(json.dumps(dict(epoch_seconds=epoch_seconds, test_accuracy=accuracy, inference_seconds=median(times),
                          numpy=np.__version__)))


if __name__ == "__main__":
    main()
