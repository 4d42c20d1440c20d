/**
 * `mnist serve model.json [--port N] [--host 127.0.0.1]`: a local web page to draw digits on and
 * watch the model read them, plus the model's report. Loopback only unless --host says otherwise.
 * Predictions go through the same code as `mnist predict`: the image decoded as predict decodes a
 * file (image/digit.ts), the model loaded and run by cli/read-digit.ts.
 * Runs until Ctrl-C (exit 130) or SIGTERM (exit 143).
 */

import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { InterruptedError, MnistError } from '../../errors.js';
import { digitFromBytesBounded } from '../../image/digit.js';
import { describeSpec } from '../../model/network.js';
import { err, out } from '../../ui/colors.js';
import { drawPage } from '../../web/page.js';
import { createApp, loopbackHosts } from '../../web/server.js';
import { listenForInterrupt } from '../interrupt.js';
import { renderModelReport } from '../model-report.js';
import { dataDirOption, noColorOption, quietOption } from '../options.js';
import { classifyDigit, loadDigitReader } from '../read-digit.js';

const MIB = 1024 * 1024;
/** 10,486 bytes, the smallest --max-upload: far smaller limits round to a handful of bytes, or to 0. */
const MIN_UPLOAD_MIB = 0.01;

function parseMaxUpload(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < MIN_UPLOAD_MIB || n > 1024) throw new InvalidArgumentError(`expected a size in MiB from ${MIN_UPLOAD_MIB} to 1024, e.g. 16.`);
  return n;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free one).');
  return n;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function makeServeCommand() {
  return new Command('serve')
    .description('start a local web page to draw digits and watch the model read them')
    .argument('<model>', 'model file written by `mnist train`')
    .option('--port <n>', 'TCP port (0 picks a free one)', parsePort, 8080)
    .option('--host <address>', 'address to listen on; the default is reachable from this computer only', '127.0.0.1')
    .option('--max-upload <MiB>', 'largest image file the page accepts, in MiB', parseMaxUpload, 16)
    .addOption(dataDirOption())
    .addOption(quietOption())
    .addOption(noColorOption())
    .addHelpText('after', `
Open the printed URL in a browser. Draw with the mouse, a pen or a finger, or drop a PNG or JPEG
file on the page; the page also links to the model's report (the same as \`mnist report\`).
Press Ctrl-C to stop.

Examples:
  $ mnist serve model.json                   # http://127.0.0.1:8080/
  $ mnist serve model.json --port 3000`)
    .action(async (modelPath, options) => {
      const log = (line: string) => {
        if (!options.quiet) process.stderr.write(line + '\n');
      };
      const maxUploadBytes = Math.round(options.maxUpload * MIB);
      const { model, net } = await loadDigitReader(modelPath);
      const allowedHosts = new Set<string>();
      const app = createApp({
        page: drawPage({ modelLabel: `${basename(modelPath)}: ${describeSpec(model.architecture)}`, maxUploadBytes }),
        maxUploadBytes,
        // Built on the first request for it and kept (createApp retries a failed one).
        report: () => renderModelReport(model, basename(modelPath), { dataDir: options.dataDir, engine: 'auto', notice: log }),
        predict: async (bytes) => {
          const { pixels } = await digitFromBytesBounded(bytes, 'the image');
          const probabilities = classifyDigit(net, pixels, model.input.scale);
          let digit = 0;
          for (let d = 1; d < probabilities.length; d++) if (probabilities[d] > probabilities[digit]) digit = d;
          return { digit, probabilities, pixels };
        },
        // On loopback, only requests that name this computer (defeats DNS rebinding from web pages).
        allowedHosts: LOOPBACK.has(options.host) ? allowedHosts : undefined,
        onError: (error) => log(err.red(`internal error while answering a request: ${error instanceof Error ? error.message : String(error)}`)),
      });
      const port = await listen(app, options.port, options.host);
      // Listen for Ctrl-C before printing the URL: a script may signal as soon as it reads it.
      // The first SIGINT/SIGTERM/SIGHUP stops the server gracefully; a second one exits at once.
      const interrupt = listenForInterrupt(() => undefined);
      const stopped = new Promise<void>((resolve) => {
        if (interrupt.signal.aborted) resolve();
        else interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      for (const host of loopbackHosts(port)) allowedHosts.add(host);
      const shown = options.host.includes(':') ? `[${options.host}]` : options.host;
      const url = `http://${shown}:${port}/`;
      process.stdout.write(`serving ${describeSpec(model.architecture)} at ${out.bold(url)}  (Ctrl-C to stop)\n`);
      if (!LOOPBACK.has(options.host)) log(err.yellow(`note: listening on ${options.host}: other computers on the network can open this page`));

      await stopped;
      app.close();
      app.closeAllConnections();
      await net.close();
      interrupt.dispose();
      const received = interrupt.received();
      throw new InterruptedError(received === null || received === 'SIGINT' ? 'stopped' : `stopped (${received})`, interrupt.exitCode());
    });
}

/** Listens, resolving with the actual port; a busy port or a bad address is one clear MnistError. */
function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new MnistError(`port ${port} on ${host} is already in use (another mnist serve?); choose another with --port ${port === 65535 ? 8081 : port + 1}, or --port 0 for any free port`, 'EADDRINUSE'));
      } else if (error.code === 'EACCES') {
        reject(new MnistError(`port ${port} needs administrator rights; use a port above 1023, e.g. --port 8080`, 'EACCES'));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
        reject(new MnistError(`--host ${host} is not an address of this computer; leave it out to use 127.0.0.1`, 'EADDRNOTAVAIL'));
      } else {
        reject(new MnistError(`cannot listen on ${host}:${port} (${error.message})`, 'ELISTEN'));
      }
    };
    app.once('error', onError);
    app.listen(port, host, () => {
      app.off('error', onError);
      resolve((app.address() as AddressInfo).port);
    });
  });
}
