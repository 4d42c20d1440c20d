// Run: npm run build && node scripts/docs-pictures.mjs MODEL.json [MOONS.svg]
// Remakes the README's pictures under docs/ with the headless Chromium that `npm install` brings
// (the devDependency @sparticuz/chromium, driven by playwright-core): the `mnist serve` page with
// a hand-drawn 5, the top of the `mnist report` page, and, when given, the `mnist moons` picture.
// Not a test: it asserts nothing; the browser tests are test/web/browser.test.ts.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import { chromium as playwright } from 'playwright-core';

const [model, moons] = process.argv.slice(2);
if (!model) {
  console.error('usage: node scripts/docs-pictures.mjs MODEL.json [MOONS.svg]');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'mnist.js');
const docs = join(root, 'docs');
const dropped = /^--(single-process|disable-web-security|allow-running-insecure-content|in-process-gpu|use-gl=.*|use-angle=.*|enable-unsafe-swiftshader)$/;
const browser = await playwright.launch({
  executablePath: await chromium.executablePath(),
  args: [...chromium.args.filter((a) => !dropped.test(a)), '--disable-gpu'],
  headless: true,
});

// The serve page, with a 5 drawn in three strokes.
const server = spawn(process.execPath, [bin, 'serve', model, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok) => {
  let text = '';
  server.stdout.on('data', (d) => {
    text += d;
    const m = text.match(/at (http:\/\/\S+\/)/);
    if (m) ok(m[1]);
  });
});
const page = await browser.newPage({ viewport: { width: 860, height: 600 }, deviceScaleFactor: 1 });
await page.goto(url);
const box = await page.getByTestId('pad').boundingBox();
const five = [
  [[0.68, 0.2], [0.36, 0.2], [0.33, 0.47]],
  [[0.33, 0.47], [0.5, 0.42], [0.64, 0.48], [0.7, 0.6], [0.66, 0.74], [0.52, 0.82], [0.32, 0.78]],
];
for (const stroke of five) {
  await page.mouse.move(box.x + stroke[0][0] * box.width, box.y + stroke[0][1] * box.height);
  await page.mouse.down();
  for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 6 });
  await page.mouse.up();
}
await page.locator('[data-testid=prediction][data-busy=false]').waitFor();
await page.screenshot({ path: join(docs, 'serve.png') });
console.log(`docs/serve.png: read as ${await page.getByTestId('prediction').textContent()}`);
server.kill('SIGINT');

// The report, top of the page in light mode.
const dir = mkdtempSync(join(tmpdir(), 'mnist-docs-'));
const report = join(dir, 'report.html');
execFileSync(process.execPath, [bin, 'report', model, '-o', report], { stdio: 'inherit' });
const view = await browser.newPage({ viewport: { width: 1000, height: 1300 }, deviceScaleFactor: 1 });
await view.goto(pathToFileURL(report).href);
await view.screenshot({ path: join(docs, 'report.png'), clip: { x: 0, y: 0, width: 1000, height: 1300 } });
console.log('docs/report.png');

if (moons) {
  // Inline in a page: a screenshot of a bare SVG document hangs in this Chromium.
  const picture = await browser.newPage({ viewport: { width: 1040, height: 440 }, deviceScaleFactor: 1 });
  await picture.setContent(`<body style="margin:0">${readFileSync(resolve(moons), 'utf8')}</body>`);
  await picture.locator('svg').first().screenshot({ path: join(docs, 'moons.png') });
  console.log('docs/moons.png');
}
await browser.close();
