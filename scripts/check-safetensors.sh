#!/bin/bash
# Run: scripts/check-safetensors.sh   (from anywhere, after npm install; .ci/run runs it after npm test)
# Trains three small models with the built CLI (relu, tanh, sigmoid; one or two hidden layers; none has
# two digits within 1e-5 of each other for any test image, so equal digits are a fair demand), exports
# each with `mnist export`, and has Python's real safetensors library load each file and classify the
# 10,000 MNIST test images (scripts/check_safetensors.py); every digit must equal mnist-mlp's.
# Installs safetensors and numpy with pip when python3 lacks them. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v python3 >/dev/null || { echo "check-safetensors: python3 is not on PATH; install Python 3, then \`python3 -m pip install safetensors numpy\`" >&2; exit 1; }
python3 -c 'import safetensors, numpy' 2>/dev/null || python3 -m pip install --quiet safetensors numpy || {
  echo "check-safetensors: could not install safetensors and numpy; run \`python3 -m pip install safetensors numpy\` by hand" >&2
  exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
quick=(--limit 3000 --val-size 0 --epochs 1 --no-augment --quiet)
node bin/mnist.js train "${quick[@]}" --arch 784-32-10 --activation relu --out "$tmp/relu.json" >/dev/null
node bin/mnist.js train "${quick[@]}" --arch 784-24-16-10 --activation tanh --lr 0.2 --out "$tmp/tanh.json" >/dev/null
node bin/mnist.js train "${quick[@]}" --arch 784-16-10 --activation sigmoid --lr 2 --out "$tmp/sigmoid.json" >/dev/null
for name in relu tanh sigmoid; do
  node bin/mnist.js export "$tmp/$name.json" -o "$tmp/$name.safetensors" --quiet
  node scripts/expected-predictions.mjs "$tmp/$name.json" "$tmp/$name"
  python3 scripts/check_safetensors.py "$tmp/$name.safetensors" "$tmp/$name"
done
