// mnist serve's HTTP layer in-process, with stand-in predict and report functions: every route's
// status and headers, that a failing handler is a 500 that leaves the server answering, that the
// report is built once (again after a failure), and which Host headers a loopback server takes.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { createApp, loopbackHosts, RequestError } from '../../src/web/server.js';

let base: string;
const errors: unknown[] = [];
let reportCalls = 0;
/** What the stand-in report does on each call: fail as the user's problem, fail as a bug, then succeed. */
const REPORT_CALLS = [
  () => Promise.reject(new DataError('no test data here')),
  () => Promise.reject(new TypeError('a bug in the report')),
  () => new Promise<string>((resolve) => setTimeout(() => resolve('<!doctype html><title>report</title>'), 50)),
];
const app = createApp({
  page: '<!doctype html><title>pad</title>',
  report: () => REPORT_CALLS[reportCalls++](),
  predict: async (bytes) => {
    if (bytes[0] === 1) throw new DataError('the image: no digit found');
    if (bytes[0] === 2) throw new RequestError('the picture is too faint to read');
    if (bytes[0] === 3) throw new TypeError('a bug');
    return { digit: 4, probabilities: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0], pixels: new Uint8Array(784).fill(7) };
  },
  maxUploadBytes: 1000,
  onError: (e) => errors.push(e),
});

beforeAll(async () => {
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(() => {
  app.close();
  app.closeAllConnections();
});

const post = (body: Uint8Array) => fetch(`${base}/api/predict`, { method: 'POST', body });

describe('the serve HTTP layer', () => {
  it('serves the page with a strict content security policy', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<!doctype html><title>pad</title>');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; .*connect-src 'self'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const head = await fetch(`${base}/?x=1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('answers a prediction as JSON with the pixels in base64', async () => {
    const res = await post(Uint8Array.from([9, 9, 9]));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { digit: number; pixels: string };
    expect(body.digit).toBe(4);
    expect(Buffer.from(body.pixels, 'base64')).toEqual(Buffer.alloc(784, 7));
  });

  it('turns bad images into 400 with the message, and a bug into a 500 that does not stop the server', async () => {
    expect(await (await post(Uint8Array.from([1]))).json()).toEqual({ error: 'the image: no digit found' });
    expect((await post(Uint8Array.from([2]))).status).toBe(400);
    const bug = await post(Uint8Array.from([3]));
    expect(bug.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect((await post(Uint8Array.from([9]))).status).toBe(200); // still answering
    expect((await post(new Uint8Array(1001))).status).toBe(413);
    expect((await post(new Uint8Array(1000))).status).toBe(200);
  });

  it('builds the report once and keeps it, retries one that failed, says why, and logs a bug', async () => {
    const bugsBefore = errors.length;
    const failed = await fetch(`${base}/report`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toMatch(/^The report could not be made: no test data here/);
    expect(errors).toHaveLength(bugsBefore); // the user's to fix (a domain error), not a bug
    const bug = await fetch(`${base}/report`);
    expect(bug.status).toBe(500);
    expect(errors.slice(bugsBefore)).toEqual([new TypeError('a bug in the report')]);
    // Two requests while the third build runs share it; later ones get the kept page.
    const [ok, alongside] = await Promise.all([fetch(`${base}/report`), fetch(`${base}/report`)]);
    expect([ok.status, alongside.status]).toEqual([200, 200]);
    expect(ok.headers.get('content-security-policy')).toMatch(/img-src data:/);
    expect(await (await fetch(`${base}/report`)).text()).toBe('<!doctype html><title>report</title>');
    expect(reportCalls).toBe(3);
  });

  it('has nothing else: unknown paths 404, wrong methods 405 with Allow', async () => {
    expect((await fetch(`${base}/index.html`)).status).toBe(404);
    expect((await fetch(`${base}/%2e%2e/package.json`)).status).toBe(404);
    const wrong = await fetch(`${base}/report`, { method: 'POST', body: 'x' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('the Host check of a loopback server', () => {
  /** The status of GET / sent to `app` with this Host header (node:http, since fetch sets Host itself). */
  const statusFor = (server: ReturnType<typeof createApp>, host: string) => new Promise<number>((resolve, reject) => {
    request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject).end();
  });

  it('takes this computer\'s names with the port, and without it only on port 80 (where browsers leave it out)', async () => {
    expect([...loopbackHosts(8080)].sort()).toEqual(['127.0.0.1:8080', '[::1]:8080', 'localhost:8080']);
    expect([...loopbackHosts(80)].sort()).toEqual(['127.0.0.1', '127.0.0.1:80', '[::1]', '[::1]:80', 'localhost', 'localhost:80']);
    // A server checking port 80's names, listening elsewhere (binding port 80 needs root).
    const guarded = createApp({ page: 'pad', report: async () => 'report', predict: async () => ({ digit: 0, probabilities: [], pixels: new Uint8Array(0) }), maxUploadBytes: 10, allowedHosts: loopbackHosts(80) });
    await new Promise<void>((resolve) => guarded.listen(0, '127.0.0.1', resolve));
    try {
      const hosts = ['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST:80', '127.0.0.1:8080', 'evil.example', 'evil.example:80', ''];
      const statuses = await Promise.all(hosts.map((host) => statusFor(guarded, host)));
      expect(Object.fromEntries(hosts.map((h, i) => [h, statuses[i]]))).toEqual({
        '127.0.0.1': 200, 'localhost': 200, '[::1]': 200, 'LOCALHOST:80': 200, '127.0.0.1:8080': 421, 'evil.example': 421, 'evil.example:80': 421, '': 421,
      });
    } finally {
      guarded.close();
      guarded.closeAllConnections();
    }
  });
});
