#!/usr/bin/env node
/**
 * Peak memory and time of reading one large phone-style JPEG (stored sideways, EXIF orientation
 * 6) through decodeJpeg, in a child process, so the number is that decode's alone.
 * Run: npm run build && node scripts/jpeg-memory.mjs [width=8000] [height=6000] [orientation=6]
 * Makes the JPEG (white, a black bar; quality 80) in the temp folder; prints the machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const width = Number(process.argv[2] ?? 8000);
const height = Number(process.argv[3] ?? 6000);
const orientation = Number(process.argv[4] ?? 6);
const dir = mkdtempSync(join(tmpdir(), 'jpeg-memory-'));
const path = join(dir, 'big.jpg');

const rgba = new Uint8Array(width * height * 4).fill(255);
for (let y = Math.floor(height * 0.2); y < height * 0.8; y++) rgba.fill(0, 4 * (y * width + Math.floor(width * 0.45)), 4 * (y * width + Math.floor(width * 0.55)));
for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
const encoded = jpeg.encode({ data: rgba, width, height }, 80).data;
// APP1 "Exif\0\0", a little-endian TIFF header and IFD0 with one entry: Orientation (0x0112, SHORT, 1).
const tiff = [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0];
const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
const app1 = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
writeFileSync(path, Buffer.concat([encoded.subarray(0, 2), Buffer.from(app1), encoded.subarray(2)]));

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${cpu}, ${cpus().length} cores, node ${process.version}`);
console.log(`image: ${width}x${height} JPEG, EXIF orientation ${orientation}, ${(statSync(path).size / 1024).toFixed(0)} kB on disk`);
const code = `const { decodeJpeg } = await import('${join(root, 'dist/image/jpeg.js')}'); const { readFileSync } = await import('node:fs');
const bytes = readFileSync('${path}'); const t0 = performance.now(); const { gray } = decodeJpeg(bytes, 'big.jpg');
console.log(JSON.stringify({ rss: process.resourceUsage().maxRSS, ms: performance.now() - t0, w: gray.width, h: gray.height }));`;
const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
if (child.status !== 0) {
  console.log(`decodeJpeg failed: ${child.stderr.trim().split('\n').pop()}`);
} else {
  const r = JSON.parse(child.stdout.trim());
  console.log(`decodeJpeg: ${r.w}x${r.h} upright, peak RSS ${(r.rss / 1024).toFixed(0)} MB, ${(r.ms / 1000).toFixed(2)} s`);
}
rmSync(dir, { recursive: true, force: true });
