/**
 * The HTTP side of `mnist serve`: node:http, three routes and nothing else.
 *   GET  /             the draw-a-digit page (web/page.ts)
 *   GET  /report       the model report, the same HTML `mnist report` writes
 *   POST /api/predict  image bytes (PNG or JPEG) in, JSON out: {digit, probabilities, pixels}
 * It serves no files from disk, so no path can reach outside its own assets. Every request gets
 * an answer; a bad or oversized request is a 4xx with a one-line message and never stops the
 * server. Knows nothing about models: the command passes in `predict` and `report`.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MnistError } from '../errors.js';

export interface Prediction {
  digit: number;
  probabilities: number[];
  /** The 28x28 bytes the network read. */
  pixels: Uint8Array;
}

/** A failure to tell the page about (status 400 unless given). */
export class RequestError extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

export interface AppOptions {
  page: string;
  /**
   * Builds the report page. Called on the first request for it; the page it gives is kept for
   * every later request, and a failure (no test data, say) is retried on the next one.
   */
  report: () => Promise<string>;
  /** Throws RequestError or an MnistError (a bad PNG, no ink) for an image it cannot read. */
  predict: (bytes: Uint8Array) => Promise<Prediction>;
  maxUploadBytes: number;
  /** When set, requests must name one of these hosts (defeats DNS rebinding on a loopback server). */
  allowedHosts?: ReadonlySet<string>;
  /**
   * Called with unexpected errors (a bug: anything but a RequestError or an MnistError, from
   * predict, report or the server itself) so the command can log them; the request still gets a 500.
   */
  onError?: (error: unknown) => void;
}

const PAGE_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'";
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The Host headers that name this computer for a loopback server on `port` (for AppOptions.allowedHosts). */
export function loopbackHosts(port: number): Set<string> {
  const hosts = new Set<string>();
  for (const name of ['127.0.0.1', 'localhost', '[::1]']) {
    hosts.add(`${name}:${port}`);
    // Browsers leave the default port out: http://127.0.0.1/ sends "Host: 127.0.0.1".
    if (port === 80) hosts.add(name);
  }
  return hosts;
}

export function createApp(o: AppOptions): Server {
  let report: Promise<string> | null = null;
  const cachedReport = (): Promise<string> => {
    if (report === null) {
      const building = o.report();
      report = building;
      // Forget a failure, so that the next request tries again.
      building.catch(() => {
        if (report === building) report = null;
      });
    }
    return report;
  };
  const server = createServer((req, res) => {
    handle(req, res, o, cachedReport).catch((error) => {
      o.onError?.(error);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error in mnist serve; see its terminal' });
      else res.destroy();
    });
  });
  // Malformed HTTP: answer 400 and close, instead of an unhandled error.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, o: AppOptions, report: () => Promise<string>): Promise<void> {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  if (o.allowedHosts && !o.allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
    drain(req);
    return sendJson(res, 421, { error: `unexpected Host header ${JSON.stringify(req.headers.host ?? '')}; open the URL that mnist serve printed` });
  }
  const path = (req.url ?? '/').split('?')[0];
  const route = ROUTES[path];
  if (route === undefined) {
    drain(req);
    return sendJson(res, 404, { error: `nothing at ${path.slice(0, 200)}; the page is at /` });
  }
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (method !== route) {
    drain(req);
    res.setHeader('Allow', route === 'GET' ? 'GET, HEAD' : 'POST');
    return sendJson(res, 405, { error: `${req.method} is not allowed on ${path}; use ${route}` });
  }
  if (path === '/') return sendHtml(res, req, o.page, PAGE_CSP);
  if (path === '/favicon.ico') {
    res.writeHead(204);
    res.end();
    return;
  }
  if (path === '/report') {
    let html: string;
    try {
      html = await report();
    } catch (error) {
      // A domain error (no test data) is the user's to fix and is shown on the page; anything else is also a bug to log.
      if (!(error instanceof MnistError)) o.onError?.(error);
      const message = error instanceof Error ? error.message : String(error);
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`The report could not be made: ${message}\n`);
      return;
    }
    return sendHtml(res, req, html, REPORT_CSP);
  }
  // POST /api/predict
  let bytes: Uint8Array;
  try {
    bytes = await readBody(req, o.maxUploadBytes);
  } catch (error) {
    if (error instanceof RequestError) {
      res.setHeader('Connection', 'close');
      return sendJson(res, error.status, { error: error.message });
    }
    throw error;
  }
  if (bytes.length === 0) return sendJson(res, 400, { error: 'the upload is empty; send a PNG or JPEG image' });
  let result: Prediction;
  try {
    result = await o.predict(bytes);
  } catch (error) {
    if (error instanceof RequestError) return sendJson(res, error.status, { error: error.message });
    // Domain errors (a bad PNG, no ink) carry a user-facing message and a `code`.
    if (error instanceof MnistError) {
      return sendJson(res, 400, { error: error.message });
    }
    throw error;
  }
  sendJson(res, 200, { digit: result.digit, probabilities: result.probabilities, pixels: Buffer.from(result.pixels).toString('base64') });
}

const ROUTES: Record<string, 'GET' | 'POST'> = { '/': 'GET', '/report': 'GET', '/favicon.ico': 'GET', '/api/predict': 'POST' };

const MIB = 1024 * 1024;
export const formatMiB = (bytes: number) => `${Number((bytes / MIB).toFixed(2))} MiB`;

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const tooBig = () => new RequestError(`the upload is larger than ${formatMiB(limit)}, the most mnist serve accepts (see its --max-upload); scale the image down first`, 413);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    drain(req);
    return Promise.reject(tooBig());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(tooBig());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', () => {
      if (!done) {
        done = true;
        reject(new RequestError('the upload was cut off'));
      }
    });
  });
}

/** Reads and discards a body we will not use, so the connection is left in a clean state. */
function drain(req: IncomingMessage): void {
  req.resume();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendHtml(res: ServerResponse, req: IncomingMessage, html: string, csp: string): void {
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Content-Security-Policy': csp,
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}
