// The pictures end to end, in a real browser: `mnist serve`'s page (drawing with mouse events,
// uploads, errors), the report from `mnist report` opened from disk, and `evaluate --errors`.
// One small model trained here for all of them; one browser for the whole file. Screenshots, for a
// person to look at, are taken only with MNIST_SCREENSHOTS=1 (no assertion reads them, and they
// cost about a second of CPU); they go to a temp folder (printed at the end), never into the
// repository.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDataDir, loadSplit, PIXELS } from '../../src/data/mnist.js';
import { encodePng } from '../../src/report/png-out.js';
import { createRaster, drawGray, GRID, gridShape } from '../../src/report/raster.js';
import { launchBrowser } from '../helpers/browser.js';
import { assertBuilt, lines, mnist, type CliRun } from '../helpers/cli.js';
import { tempDir } from '../helpers/idx-fixtures.js';
import { startServe, type Served } from '../helpers/serve.js';
import { DIGIT_STROKES } from './strokes.js';

let dir: string;
/** The folder for screenshots, or undefined when MNIST_SCREENSHOTS is not set. */
let shots: string | undefined;
let modelPath: string;
let reportPath: string;
let reportRun: CliRun;
let expected: { accuracy: number; correct: number; total: number; loss: number; confusion: number[][]; perClass: { digit: number; precision: number; recall: number }[] };
let served: Served;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const watchConsole = (p: Page) => {
  p.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  p.on('pageerror', (e) => consoleErrors.push(String(e)));
};

beforeAll(async () => {
  assertBuilt();
  dir = tempDir('mnist-web-');
  if (process.env.MNIST_SCREENSHOTS) shots = tempDir('mnist-screenshots-');
  modelPath = join(dir, 'model.json');
  const [train, launched] = await Promise.all([
    // One thread: any count gives the same weights, and a second one only competes with the browser.
    mnist(['train', '--limit', '20000', '--val-size', '1000', '--epochs', '3', '--arch', '784-64-10', '--threads', '1', '--out', modelPath, '--quiet']),
    launchBrowser(),
  ]);
  browser = launched;
  expect(train.stderr).toBe('');
  expect(train.code).toBe(0);
  // The server, the report and evaluate's figures, side by side.
  reportPath = join(dir, 'report.html');
  let report, evaluation;
  [served, report, evaluation] = await Promise.all([
    startServe([modelPath, '--port', '0', '--max-upload', '1']),
    mnist(['report', modelPath, '-o', reportPath]),
    mnist(['evaluate', modelPath, '--json']),
  ]);
  reportRun = report;
  expect(evaluation.code).toBe(0);
  expected = JSON.parse(evaluation.stdout);
  page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  watchConsole(page);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (served) await served.stop('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true }); // the model and report; the screenshots stay
  if (shots) process.stderr.write(`screenshots: ${shots}\n`);
});

/** Saves a screenshot when MNIST_SCREENSHOTS is set. */
async function screenshot(p: Page, name: string, fullPage = false): Promise<void> {
  if (shots) await p.screenshot({ path: join(shots, name), fullPage });
}

async function draw(p: Page, digit: number): Promise<string> {
  const box = (await p.getByTestId('pad').boundingBox())!;
  await p.getByTestId('clear').click();
  for (const stroke of DIGIT_STROKES[digit]) {
    const [x0, y0] = stroke[0];
    await p.mouse.move(box.x + x0 * box.width, box.y + y0 * box.height);
    await p.mouse.down();
    // Long straight segments get in-between points, as a real mouse would send.
    for (const [x, y] of stroke.slice(1)) await p.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: stroke.length > 4 ? 1 : 6 });
    await p.mouse.up();
  }
  return settled(p);
}

/** Waits until no prediction request is in flight, then returns the digit shown. */
async function settled(p: Page): Promise<string> {
  await p.locator('[data-testid=prediction][data-busy=false]').waitFor();
  return (await p.getByTestId('prediction').textContent())!.trim();
}

describe('mnist serve in a browser', () => {
  it('reads digits drawn on the pad with the mouse, updating as they are drawn', async () => {
    await page.goto(served.url);
    expect(await page.getByTestId('prediction').textContent()).toBe('–');
    for (const digit of [0, 2, 4, 7]) {
      expect(await draw(page, digit), `drawn ${digit}`).toBe(String(digit));
      const bar = await page.getByTestId(`bar-${digit}`).getAttribute('class');
      expect(bar).toBe('best');
    }
    await screenshot(page, 'serve-drawn-7.png');
    // Clear empties the answer and the bars.
    await page.getByTestId('clear').click();
    expect(await page.getByTestId('prediction').textContent()).toBe('–');
  });

  it('gives an uploaded PNG or JPEG the same answer as `mnist predict`', async () => {
    // MNIST test digits, enlarged 5x, dark ink on white paper: files a user might have.
    const test = await loadSplit({ kind: 'embedded', dir: embeddedDataDir(), label: 'embedded' }, 'test');
    const picture = (index: number) => {
      const r = createRaster(160, 160, [255, 255, 255]);
      drawGray(r, test.images.subarray(index * PIXELS, (index + 1) * PIXELS), 28, 10, 10, 5, [255, 255, 255], [20, 20, 30]);
      return r;
    };
    const png = join(dir, 'upload.png');
    writeFileSync(png, encodePng(picture(1)));
    const jpg = join(dir, 'photo.jpg');
    const jpegPicture = picture(2);
    writeFileSync(jpg, jpeg.encode({ data: Buffer.from(jpegPicture.rgba), width: jpegPicture.width, height: jpegPicture.height }, 85).data);

    const predicted = await mnist(['predict', modelPath, png, jpg, '--json']);
    expect(predicted.code).toBe(0);
    const answers = lines(predicted.stdout).map((line) => JSON.parse(line));
    for (const [file, answer] of [[png, answers[0]], [jpg, answers[1]]]) {
      await page.getByTestId('upload').setInputFiles(file);
      expect(await settled(page), file).toBe(String(answer.digit));
      expect(await page.locator('#confidence').textContent()).toBe(`${(answer.probabilities[answer.digit] * 100).toFixed(1)}%`);
      for (let d = 0; d < 10; d++) {
        expect(await page.getByTestId(`bar-${d}`).locator('.p').textContent()).toBe(`${(answer.probabilities[d] * 100).toFixed(1)}%`);
      }
      expect(await page.getByTestId('error').isHidden()).toBe(true);
    }
    await screenshot(page, 'serve-upload.png');
    expect(consoleErrors).toEqual([]);
  });

  it('says clearly in the page when a file is not an image or is too large', async () => {
    const other = await browser.newPage();
    await other.goto(served.url);
    await other.getByTestId('upload').setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') });
    await settled(other);
    await expect.poll(() => other.getByTestId('error').textContent()).toMatch(/not a PNG or JPEG file/);
    expect(await other.getByTestId('prediction').textContent()).toBe('–');
    await other.getByTestId('upload').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(1.5 * 1024 * 1024) });
    expect(await other.getByTestId('error').textContent()).toMatch(/^huge\.png is 1\.5 MiB; the server accepts images up to 1 MiB\. Scale it down first\.$/);
    await screenshot(other, 'serve-error.png');
    // On a phone, in dark mode, the page fits the screen's width.
    await other.emulateMedia({ colorScheme: 'dark' });
    await other.setViewportSize({ width: 390, height: 844 });
    expect(await other.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await screenshot(other, 'serve-phone-dark.png');
    await other.close();
  });
});

describe('mnist serve over HTTP', () => {
  it('answers bad requests with a status and a message, and keeps serving', async () => {
    const get = (path: string, init?: RequestInit) => fetch(new URL(path, served.url), init);
    expect((await get('/nothing-here')).status).toBe(404);
    expect((await get('/../../etc/passwd')).status).toBe(404);
    expect((await get('/', { method: 'DELETE' })).status).toBe(405);
    expect((await get('/api/predict')).status).toBe(405);
    const big = await get('/api/predict', { method: 'POST', body: new Uint8Array(1.5 * 1024 * 1024) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/larger than 1 MiB/);
    const empty = await get('/api/predict', { method: 'POST', body: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    // Garbage instead of HTTP, on a raw socket.
    const { port } = new URL(served.url);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('\x00\x01 not http\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    // A page elsewhere that resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
    const rebound = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: Number(port), path: '/', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject).end();
    });
    expect(rebound).toBe(421);
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(served.stderr()).toBe('');
  });

  it('a busy port is a one-line error suggesting --port', async () => {
    const { port } = new URL(served.url);
    const run = await mnist(['serve', modelPath, '--port', port]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`error: port ${port} on 127.0.0.1 is already in use (another mnist serve?); choose another with --port ${Number(port) + 1}, or --port 0 for any free port`]);
  });

  it('Ctrl-C stops it with exit code 130, SIGTERM with 143', async () => {
    const a = await startServe([modelPath, '--port', '0']);
    const stopped = await a.stop('SIGINT');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr.trim()).toBe('stopped');
    const b = await startServe([modelPath, '--port', '0']);
    expect((await b.stop('SIGTERM')).code).toBe(143);
  });
});

describe('mnist report', () => {
  it('writes a self-contained page whose numbers are those of `mnist evaluate`', async () => {
    expect(reportRun.code).toBe(0);
    expect(reportRun.stdout).toMatch(/^report written to .*report\.html \(\d+ KB\)$/m);
    const html = readFileSync(reportPath, 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // nothing from the network

    const view = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    watchConsole(view);
    const requests: string[] = [];
    view.on('request', (r) => requests.push(r.url()));
    await view.goto(pathToFileURL(reportPath).href);
    for (const id of ['model-card', 'curves', 'confusion', 'mistakes', 'weights', 'augmentation']) {
      expect(await view.getByTestId(`section-${id}`).count(), id).toBe(1);
    }
    expect(await view.getByTestId('accuracy').textContent()).toBe(`${expected.correct}/${expected.total} (${(expected.accuracy * 100).toFixed(2)}%)`);
    expect(await view.getByTestId('loss').textContent()).toBe(expected.loss.toFixed(4));
    for (const c of expected.perClass) {
      expect(await view.getByTestId(`recall-${c.digit}`).textContent()).toBe(`${(c.recall * 100).toFixed(1)}%`);
      expect(await view.getByTestId(`precision-${c.digit}`).textContent()).toBe(`${(c.precision * 100).toFixed(1)}%`);
    }
    const cells = await view.locator('[data-testid=confusion] td:not(.metric)').allTextContents();
    expect(cells.map(Number)).toEqual(expected.confusion.flat());
    const mistakes = expected.total - expected.correct;
    expect(await view.getByTestId('mistake-count').textContent()).toMatch(new RegExp(`^${mistakes.toLocaleString('en-US')} of 10,000`));
    expect(await view.getByTestId('mistake').count()).toBe(Math.min(100, mistakes));
    expect(await view.locator('[data-testid=weight-tiles] img').count()).toBe(64);
    expect(await view.locator('#curves svg').count()).toBe(2);
    // Every image is inline and decodes.
    expect(await view.evaluate('[...document.images].every((img) => img.complete && img.naturalWidth === 28)')).toBe(true);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    await screenshot(view, 'report-light.png', true);
    await view.emulateMedia({ colorScheme: 'dark' });
    await view.setViewportSize({ width: 390, height: 844 });
    expect(await view.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1')).toBe(true);
    await screenshot(view, 'report-phone-dark.png');
    await view.close();

    // The server shows the same report.
    const served_ = await (await fetch(new URL('/report', served.url))).text();
    expect(served_).toContain(`data-testid="accuracy">${expected.correct}/${expected.total} (`);
    expect(consoleErrors).toEqual([]);
  });
});

describe('mnist evaluate --errors', () => {
  it('writes a PNG grid with one labelled cell per mistake shown', async () => {
    const file = join(dir, 'errors.png');
    const run = await mnist(['evaluate', modelPath, '--errors', file, '--errors-max', '23', '--json']);
    expect(run.code).toBe(0);
    const mistakes = 10000 - JSON.parse(run.stdout).correct;
    expect(run.stderr).toMatch(new RegExp(`errors\\.png: the 23 most confident of ${mistakes} misclassified test digits, 10x3 grid`));
    const png = pngjs.PNG.sync.read(readFileSync(file));
    const { columns, rows } = gridShape(23);
    expect([columns, rows]).toEqual([10, 3]);
    expect(png.width).toBe(columns * (GRID.cellWidth + 1) + 1);
    expect(png.height).toBe(rows * (GRID.cellHeight + 1) + 1);
    // The 23rd cell (row 3, column 3) holds a digit; the 24th is empty background.
    const inked = (col: number, row: number) => {
      let ink = 0;
      const x0 = 1 + col * (GRID.cellWidth + 1), y0 = 1 + row * (GRID.cellHeight + 1);
      for (let y = y0; y < y0 + GRID.cellHeight; y++) for (let x = x0; x < x0 + GRID.cellWidth; x++) if (png.data[(y * png.width + x) * 4] > 128) ink++;
      return ink;
    };
    expect(inked(2, 2)).toBeGreaterThan(50);
    expect(inked(3, 2)).toBe(0);
  });

  it('refuses a missing folder before evaluating', async () => {
    const run = await mnist(['evaluate', modelPath, '--errors', join(dir, 'no', 'such', 'errors.png')]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: --errors .*: the folder .* does not exist/);
  });
});
