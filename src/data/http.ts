/**
 * The HTTP side of downloading: GET with redirects, an idle timeout and a minimum transfer rate,
 * telling gzip from an HTML error page by the first bytes, and turning every network, TLS and
 * zlib failure into FetchFailure (try the next mirror) or an MnistError (stop). Knows nothing
 * of files on disk.
 */

import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { PassThrough, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataError, InterruptedError, MnistError } from '../errors.js';

/** Idle time (no bytes in either direction) after which a connection counts as stalled. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The slowest transfer accepted, in bytes per second, averaged over each window of the idle
 * timeout: a server that trickles a few bytes now and then never goes silent, so the idle
 * timeout alone would wait for hours. 1 kB/s still fetches the 9.9 MB training images in under 3 hours.
 */
export const DEFAULT_MIN_RATE = 1000;

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface FetchContext {
  timeoutMs: number;
  minBytesPerSecond: number;
  signal: AbortSignal | undefined;
}

export type FetchEvent = { type: 'start'; url: string; totalBytes?: number } | { type: 'progress'; bytes: number; totalBytes?: number };

/** A reason this mirror did not deliver a good copy; the next mirror may. */
export class FetchFailure extends Error {}


/**
 * The minimum-rate check: the bytes received in each window of `windowMs` must reach
 * `minBytesPerSecond` on average. Total silence is the socket timeout's job; this catches a
 * server that sends a trickle, which resets that timeout forever.
 */
export class RateWindow {
  private start = performance.now();
  private startBytes = 0;

  constructor(
    private readonly windowMs: number,
    private readonly minBytesPerSecond: number,
  ) {}

  check(received: number, totalBytes: number | undefined): void {
    if (this.minBytesPerSecond <= 0) return;
    const now = performance.now();
    const elapsed = now - this.start;
    if (elapsed < this.windowMs) return;
    const rate = ((received - this.startBytes) * 1000) / elapsed;
    if (rate < this.minBytesPerSecond) {
      const where = totalBytes !== undefined ? `after ${received} of ${totalBytes} bytes` : `after ${received} bytes`;
      throw new FetchFailure(
        `too slow: ${formatRate(rate)} over the last ${(elapsed / 1000).toFixed(1)} s ${where}, below the minimum ${formatRate(this.minBytesPerSecond)} (--min-rate changes it)`,
      );
    }
    this.start = now;
    this.startBytes = received;
  }
}

export function formatRate(bytesPerSecond: number): string {
  return bytesPerSecond >= 1000 ? `${(bytesPerSecond / 1000).toFixed(1)} kB/s` : `${Math.round(bytesPerSecond)} B/s`;
}


export interface RequestState {
  timedOut: boolean;
  req: ClientRequest | null;
}

/** GETs `url`, following up to 5 redirects (relative Location too); resolves with a 2xx response. */
export async function openUrl(start: URL, ctx: FetchContext, state: RequestState): Promise<IncomingMessage> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const res = await get(url, ctx, state);
    const status = res.statusCode ?? 0;
    if (REDIRECT_STATUSES.has(status)) {
      const location = res.headers.location;
      state.req?.destroy();
      if (!location) throw new FetchFailure(`HTTP ${status} redirect without a Location header`);
      if (hop >= MAX_REDIRECTS) throw new FetchFailure(`more than ${MAX_REDIRECTS} redirects (the last to ${location})`);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new FetchFailure(`HTTP ${status} redirect to an invalid URL '${location}'`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new FetchFailure(`redirect to unsupported ${next.protocol} URL ${next.href}`);
      url = next;
      continue;
    }
    if (status < 200 || status > 299) {
      state.req?.destroy();
      throw new FetchFailure(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${hop > 0 ? ` from ${url.href}` : ''}`);
    }
    return res;
  }
}

function get(url: URL, ctx: FetchContext, state: RequestState): Promise<IncomingMessage> {
  return new Promise((resolvePromise, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, {
      // agent: false -> one connection per file, closed afterwards; nothing keeps the process alive.
      agent: false,
      // The files are already gzip; ask servers not to wrap them in another encoding.
      headers: { 'accept-encoding': 'identity', 'user-agent': 'mnist-mlp (mnist download)' },
      timeout: ctx.timeoutMs,
      signal: ctx.signal,
    });
    state.req = req;
    req.on('timeout', () => {
      state.timedOut = true;
      req.destroy(new FetchFailure(stalledReason(ctx.timeoutMs)));
    });
    // Stays attached for the request's whole life: a later socket error must not be unhandled.
    req.on('error', reject);
    req.once('response', resolvePromise);
  });
}

/** Chooses gunzip from the body's first bytes, or says in one phrase what the server sent instead. */
export function decoderFor(head: Buffer, contentType: string | undefined): Transform {
  if (head[0] === 0x1f && head[1] === 0x8b) return createGunzip({ chunkSize: 1 << 16 });
  // Some servers decompress .gz on the fly (e.g. GCS transcoding): accept plain IDX bytes too.
  if (head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 0x08) return new PassThrough();
  if (head.length === 0) throw new FetchFailure('empty response body');
  const text = head.toString('latin1').trimStart().toLowerCase();
  const type = contentType ? ` (Content-Type: ${contentType})` : '';
  if (text.startsWith('<') || (contentType ?? '').includes('html')) {
    throw new FetchFailure(`the server sent an HTML page${type}, not gzip data; the mirror is probably gone`);
  }
  throw new FetchFailure(`not gzip data${type}: it starts with bytes ${head.subarray(0, 4).toString('hex')}`);
}

/** Turns whatever went wrong into FetchFailure (try the next mirror) or MnistError (stop). */
export function classify(err: unknown, state: RequestState, received: number, totalBytes: number | undefined, ctx: FetchContext): unknown {
  if (ctx.signal?.aborted) return new InterruptedError();
  if (err instanceof MnistError && !(err instanceof DataError && err.code.startsWith('EIDX'))) return err;
  if (state.timedOut) return new FetchFailure(stalledReason(ctx.timeoutMs, received, totalBytes));
  if (err instanceof FetchFailure) return err;
  if (err instanceof DataError) {
    // IdxParser's message names the file and suggests `download --force`; keep only the diagnosis.
    const diagnosis = err.message.replace(/^[^:]+: /, '').replace(/\.(\s.*)?$/, '');
    return new FetchFailure(`not a valid MNIST file: ${diagnosis}`);
  }
  const e = err as NodeJS.ErrnoException;
  const where = totalBytes !== undefined ? `after ${received} of ${totalBytes} bytes` : `after ${received} bytes`;
  if (e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR') return new FetchFailure(`corrupt gzip data ${where} (${e.message})`);
  if (e.message && /unexpected end of file/i.test(e.message)) return new FetchFailure(`the gzip data ends early ${where} (truncated)`);
  if (e.code === 'ECONNRESET' || e.message === 'aborted') return new FetchFailure(`the connection was closed ${where}`);
  if (e.code === 'ECONNREFUSED') return new FetchFailure('connection refused');
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return new FetchFailure(`host not found (${e.code})`);
  if (e.code === 'ETIMEDOUT') return new FetchFailure(`connection timed out (${e.code})`);
  // Network, TLS and zlib errors carry a code; anything else is a bug here, not the mirror's fault.
  if (err instanceof Error && typeof e.code === 'string') return new FetchFailure(`${e.code}: ${err.message}`);
  return err;
}

export function stalledReason(timeoutMs: number, received?: number, totalBytes?: number): string {
  const where = received === undefined ? '' : totalBytes !== undefined ? ` after ${received} of ${totalBytes} bytes` : ` after ${received} bytes`;
  return `no data for ${timeoutMs / 1000} s${where} (stalled connection; --timeout changes the limit)`;
}
