#!/bin/bash
# Run: scripts/compare-numpy.sh [ROUNDS] [--bench]     (from the project root, after npm install)
# Needs Python 3 with NumPy (`pip install numpy`); PYTHON picks the interpreter [python3].
# Alternates one epoch of `mnist train` (784-128-10 ReLU, cross-entropy, batch 64, lr 0.1, all 60,000
# images, constant lr) with one epoch of scripts/numpy_mlp.py (the same network in NumPy), A B A B,
# ROUNDS times (default 5), and prints the machine, each pair and the median of mnist seconds / NumPy
# seconds. Both sides report the training loop alone (no data loading, no evaluation). With --bench
# the mnist side is scripts/bench.mjs --quick (the fast engine's plain epoch without the CLI around it).
# NumPy's BLAS runs on OPENBLAS_NUM_THREADS threads [1]: on a busy 2-core machine more threads made
# it many times slower, so set it yourself to compare other settings.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5
via=cli
for arg in "$@"; do
  case "$arg" in
    --bench) via=bench ;;
    *) rounds=$arg ;;
  esac
done
python=${PYTHON:-python3}
"$python" -c 'import numpy' 2>/dev/null || { echo "$python has no NumPy: install it with \`pip install numpy\` (or set PYTHON)" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints field $1 (a property path such as epochs[0].seconds) of the JSON document on stdin (pretty or one line).
json_field() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      let o;
      try { o = JSON.parse(s); } catch { o = JSON.parse(s.trim().split("\n").pop()); }
      for (const key of process.argv[1].match(/[^.[\]]+/g)) o = o[key];
      console.log(o);
    });' "$1"
}

mnist_epoch() {
  if [ "$via" = bench ]; then
    node scripts/bench.mjs --quick --no-numpy --json | json_field 'plainEpoch.seconds'
  else
    node bin/mnist.js train --epochs 1 --val-size 0 --schedule constant --lr 0.1 --batch-size 64 --no-augment \
      --json --quiet --out "$tmp/model.json" | json_field 'epochs[0].seconds'
  fi
}
numpy_epoch() { "$python" scripts/numpy_mlp.py --epochs 1 | json_field 'epoch_seconds[0]'; }

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
simd=$(grep -m1 -o -w -E 'avx512f|avx2|avx|sse4_2' /proc/cpuinfo 2>/dev/null | sort -u | tr '\n' ' ' || true)
echo "machine: ${cpu:-unknown CPU}, $(node -p 'require("os").availableParallelism()') cores, SIMD: ${simd:-unknown}"
echo "node $(node --version), $("$python" -c 'import numpy, platform; print("Python", platform.python_version(), "NumPy", numpy.__version__)'), OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS"

ratios=()
for ((r = 1; r <= rounds; r++)); do
  a=$(mnist_epoch)
  b=$(numpy_epoch)
  ratio=$(node -e "console.log(($a / $b).toFixed(3))")
  ratios+=("$ratio")
  printf 'round %d: mnist %.3f s  numpy %.3f s  ratio %s\n' "$r" "$a" "$b" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}')
echo "median ratio (mnist / numpy, ${rounds} alternating rounds, mnist via $via): $median"
