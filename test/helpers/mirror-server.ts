/**
 * A real HTTP server on 127.0.0.1 (random port) that plays an MNIST mirror for the download
 * tests, good or broken: files, HTTP errors, redirects, HTML pages, truncated bodies, reset
 * connections and stalls. Routes are plain data, changed between tests. Also the tiny IDX
 * fixtures and the folder snapshot the tests compare. Test-only; not a general web server.
 */

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export type Route =
  /** 200 with Content-Length. */
  | { kind: 'file'; body: Uint8Array; contentType?: string }
  /** Any status with a short text body (404, 500, ...). */
  | { kind: 'status'; status: number; body?: string; contentType?: string }
  /** A redirect; `location` may be relative. */
  | { kind: 'redirect'; location: string; status?: number }
  /** Declares the full Content-Length, sends `sendBytes`, then closes the connection cleanly. */
  | { kind: 'truncate'; body: Uint8Array; sendBytes: number }
  /** Sends `sendBytes`, then resets the connection (TCP RST). */
  | { kind: 'reset'; body: Uint8Array; sendBytes: number }
  /** Sends the headers and `sendBytes`, then nothing, keeping the connection open. */
  | { kind: 'stall'; body: Uint8Array; sendBytes: number }
  /** Sends `chunk` bytes every `everyMs`: never silent, never done (a server that trickles). */
  | { kind: 'trickle'; body: Uint8Array; chunk: number; everyMs: number };

export interface MirrorServer {
  /** `http://127.0.0.1:PORT` without a trailing slash. */
  origin: string;
  routes: Map<string, Route>;
  /** Every request path, in order. */
  requests: string[];
  /** Serves each `files[name]` at `${prefix}${name}.gz`; returns the base URL. */
  serve(prefix: string, files: Record<string, Uint8Array>): string;
  close(): Promise<void>;
}

export async function startMirrorServer(): Promise<MirrorServer> {
  const routes = new Map<string, Route>();
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    requests.push(path);
    const route = routes.get(path) ?? { kind: 'status', status: 404, body: 'Not Found' };
    respond(route, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    routes,
    requests,
    serve(prefix, files) {
      for (const [name, body] of Object.entries(files)) routes.set(`${prefix}${name}.gz`, { kind: 'file', body });
      return `${origin}${prefix}`;
    },
    close() {
      // Stalled responses never end by themselves.
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function respond(route: Route, res: ServerResponse): void {
  switch (route.kind) {
    case 'file':
      res.writeHead(200, { 'content-type': route.contentType ?? 'application/x-gzip', 'content-length': route.body.length });
      res.end(route.body);
      return;
    case 'status': {
      const body = route.body ?? '';
      res.writeHead(route.status, { 'content-type': route.contentType ?? 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    case 'redirect':
      res.writeHead(route.status ?? 302, { location: route.location, 'content-length': 0 });
      res.end();
      return;
    case 'truncate':
      res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': route.body.length });
      res.write(route.body.subarray(0, route.sendBytes), () => res.socket?.end());
      return;
    case 'reset':
      res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': route.body.length });
      res.write(route.body.subarray(0, route.sendBytes), () => res.socket?.resetAndDestroy());
      return;
    case 'stall':
      res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': route.body.length });
      res.write(route.body.subarray(0, route.sendBytes));
      return;
    case 'trickle': {
      res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': route.body.length });
      let at = 0;
      const send = () => {
        if (res.destroyed || at >= route.body.length) return clearInterval(timer);
        res.write(route.body.subarray(at, at + route.chunk));
        at += route.chunk;
      };
      const timer = setInterval(send, route.everyMs);
      res.on('close', () => clearInterval(timer));
      send();
      return;
    }
  }
}

/** An unsigned-byte IDX file: magic 0x0000080N, the sizes, then `data`. */
export function makeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x0800 + dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export const gzip = (bytes: Uint8Array): Buffer => gzipSync(bytes, { level: 1 });

/**
 * Tiny stand-ins for the four MNIST files (3 train and 2 test images whose pixels encode their
 * own index), their gzip copies and their hashes, for tests that do not need the real data.
 */
export function tinyMnist(): { raw: Record<string, Uint8Array>; gz: Record<string, Buffer>; checksums: Record<string, string> } {
  const images = (n: number, seed: number) => makeIdx([n, 28, 28], Uint8Array.from({ length: n * 784 }, (_, i) => (i * 7 + seed) & 255));
  const labels = (n: number, seed: number) => makeIdx([n], Uint8Array.from({ length: n }, (_, i) => (i + seed) % 10));
  const raw: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': images(3, 1),
    'train-labels-idx1-ubyte': labels(3, 1),
    't10k-images-idx3-ubyte': images(2, 2),
    't10k-labels-idx1-ubyte': labels(2, 2),
  };
  const gz: Record<string, Buffer> = {};
  const checksums: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(raw)) {
    gz[name] = gzip(bytes);
    checksums[name] = sha256(bytes);
  }
  return { raw, gz, checksums };
}

/** Every entry under `dir` (dotfiles too) with its SHA-256, or null when `dir` does not exist. */
export function snapshot(dir: string): Record<string, string> | null {
  if (!existsSync(dir)) return null;
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        out[`${prefix}${name}/`] = 'dir';
        walk(path, `${prefix}${name}/`);
      } else out[`${prefix}${name}`] = sha256(readFileSync(path));
    }
  };
  walk(dir, '');
  return out;
}
