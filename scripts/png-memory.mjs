#!/usr/bin/env node
/**
 * Peak memory and time of reading one large PNG, whole (decodePng) against banded
 * (decodePngBounded, what `mnist predict` uses), each in its own child process.
 * Run: npm run build && node scripts/png-memory.mjs [side=7071]
 * Makes a side x side 16-bit RGBA PNG (white, a black bar) in the temp folder; prints the machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createDeflate, crc32 } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const side = Number(process.argv[2] ?? 7071);
const dir = mkdtempSync(join(tmpdir(), 'png-memory-'));
const path = join(dir, 'big.png');

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}
const blank = Buffer.alloc(1 + side * 8, 0xff);
blank[0] = 0;
const bar = Buffer.from(blank);
const x0 = Math.floor(side * 0.45), x1 = Math.floor(side * 0.55);
bar.fill(0, 1 + x0 * 8, 1 + x1 * 8);
for (let x = x0; x < x1; x++) bar.fill(0xff, 1 + x * 8 + 6, 1 + x * 8 + 8);
const deflate = createDeflate({ level: 9 });
const parts = [];
deflate.on('data', (d) => parts.push(d));
for (let y = 0; y < side; y++) if (!deflate.write(y > side * 0.2 && y < side * 0.8 ? bar : blank)) await once(deflate, 'drain');
deflate.end();
await once(deflate, 'end');
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(side, 0);
ihdr.writeUInt32BE(side, 4);
ihdr[8] = 16;
ihdr[9] = 6;
writeFileSync(path, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]));

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${cpu}, ${cpus().length} cores, node ${process.version}`);
console.log(`image: ${side}x${side} 16-bit RGBA, ${(statSync(path).size / 1024).toFixed(0)} kB on disk`);
const variants = {
  whole: `const { digitFromPng } = await import('${join(root, 'dist/image/digit.js')}'); const { readFileSync } = await import('node:fs'); digitFromPng(readFileSync('${path}'), 'big.png');`,
  banded: `const { loadDigitImage } = await import('${join(root, 'dist/image/digit.js')}'); await loadDigitImage('${path}');`,
};
for (const [name, code] of Object.entries(variants)) {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `${code} console.log(process.resourceUsage().maxRSS)`], { encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  const rss = Number(child.stdout.trim());
  console.log(`${name.padEnd(7)} peak RSS ${child.status === 0 ? `${(rss / 1024).toFixed(0)} MB` : `failed (${child.stderr.trim().split('\n').pop()})`}, ${seconds.toFixed(2)} s`);
}
rmSync(dir, { recursive: true, force: true });
