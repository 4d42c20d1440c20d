/**
 * Progress on stderr for long commands: training (implementing training's Reporter: a bar per
 * epoch with batches, running loss, images/s and ETA, then one summary line per epoch) and
 * downloads (a bar per file with bytes and speed, a line per mirror failure and per finished file).
 * What they share lives in StderrProgress: a cli-progress bar only when stderr is a TTY; otherwise
 * a plain line now and then, because cli-progress prints nothing at all to a non-TTY; nothing in
 * quiet mode; log lines printed above the bar; and `stop()`, which must run on every exit path
 * (the bar hides the cursor). Never decides what happens, only shows it.
 */

import cliProgress from 'cli-progress';
import type { EpochMetrics, Reporter } from '../training/train.js';
import { err } from './colors.js';
import { formatInt, formatPercent, formatSeconds } from './format.js';

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  quiet: boolean;
  /** Minimum seconds between plain (non-TTY) progress lines. */
  plainInterval?: number;
}

/** The TTY / plain / quiet / stop logic both progress displays share. */
export class StderrProgress {
  protected bar: cliProgress.SingleBar | null = null;
  protected readonly stream: NodeJS.WriteStream;
  protected readonly quiet: boolean;
  protected readonly tty: boolean;
  protected readonly plainInterval: number;
  private lastPlain = 0;

  constructor(options: ProgressOptions, defaultPlainInterval: number) {
    this.stream = options.stream;
    this.quiet = options.quiet;
    this.tty = Boolean(options.stream.isTTY);
    this.plainInterval = options.plainInterval ?? defaultPlainInterval;
  }

  /** A log line on stderr (not in quiet mode), printed after stopping any bar. */
  log(line: string): void {
    if (this.quiet) return;
    this.stop();
    this.stream.write(line + '\n');
  }

  /** Stops the bar and restores the cursor; safe to call any number of times. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }

  /** Starts a bar (stopping any other), only on a TTY and not in quiet mode. */
  protected startBar(format: string, total: number, payload: object, options: Partial<cliProgress.Options> = {}): void {
    this.stop();
    this.restartPlainClock();
    if (this.quiet || !this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        // The CLI's interrupt handling owns SIGINT; the bar must not add a listener of its own.
        gracefulExit: false,
        fps: 10,
        ...options,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, payload);
  }

  protected restartPlainClock(): void {
    this.lastPlain = performance.now();
  }

  /** Writes `line()` when stderr is not a TTY and the plain interval has passed since the last one. */
  protected plainLine(now: number, line: () => string): void {
    if (this.quiet || this.tty || (now - this.lastPlain) / 1000 < this.plainInterval) return;
    this.lastPlain = now;
    this.stream.write(line() + '\n');
  }
}

export class TrainProgress extends StderrProgress implements Reporter {
  private epochs = 0;
  private lastUpdate = 0;

  constructor(options: ProgressOptions) {
    super(options, 5);
  }

  epochStart(epoch: number, epochs: number, batches: number): void {
    this.epochs = epochs;
    this.startBar(
      `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs} ${err.cyan('{bar}')} {value}/{total} | loss {loss} | {speed} img/s | ETA {eta_formatted}`,
      batches,
      { loss: '-', speed: '-' },
      { etaBuffer: 50 },
    );
  }

  batchEnd(epoch: number, batch: number, batches: number, runningLoss: number, images: number, seconds: number): void {
    if (this.quiet) return;
    const now = performance.now();
    if (this.bar) {
      // Formatting numbers every batch costs more than the batch on a fast engine; 20 Hz is plenty.
      if (now - this.lastUpdate < 50 && batch < batches) return;
      this.lastUpdate = now;
      this.bar.update(batch, { loss: runningLoss.toFixed(4), speed: formatInt(images / Math.max(seconds, 1e-9)) });
    } else if (batch < batches) {
      this.plainLine(now, () => `epoch ${epoch}/${this.epochs}  batch ${batch}/${batches}  loss ${runningLoss.toFixed(4)}  ${formatInt(images / Math.max(seconds, 1e-9))} img/s`);
    }
  }

  epochEnd(m: EpochMetrics): void {
    this.stop();
    if (this.quiet) return;
    const width = String(this.epochs).length;
    const val = m.valLoss === null || m.valAccuracy === null
      ? 'no validation set'
      : `val loss ${m.valLoss.toFixed(4)}  val acc ${err.bold(formatPercent(m.valAccuracy))}`;
    this.stream.write(
      `epoch ${String(m.epoch).padStart(width)}/${this.epochs}  train loss ${m.trainLoss.toFixed(4)}  ${val}  ${formatSeconds(m.seconds)}\n`,
    );
  }
}

/**
 * What a download reports (data/download.ts's DownloadEvent has this shape; ui does not import
 * data). `totalBytes` is the compressed size when the server sent one.
 */
export type TransferEvent =
  | { type: 'start'; file: string; mirror: string; totalBytes?: number }
  | { type: 'progress'; file: string; bytes: number; totalBytes?: number }
  | { type: 'mirror-failed'; file: string; mirror: string; reason: string; mirrorsLeft: number }
  | { type: 'done'; file: string; skipped: boolean; bytes?: number; ms?: number };

/** Width of the file-name column: the longest MNIST file name and two spaces. */
export const FILE_COLUMN = 'train-images-idx3-ubyte'.length + 2;

/**
 * Download events on stderr: a bar (bytes, percentage, speed) per file on a TTY; on a pipe or
 * file a line every 10 s for a slow file and one when each is done. Mirror failures: one line each.
 */
export class DownloadProgress extends StderrProgress {
  private started = 0;
  private total: number | undefined;
  private mirror = '';

  constructor(options: ProgressOptions) {
    super(options, 10);
  }

  event(e: TransferEvent): void {
    if (this.quiet) return;
    const now = performance.now();
    switch (e.type) {
      case 'start':
        this.started = now;
        this.total = e.totalBytes;
        this.mirror = e.mirror;
        // Without a Content-Length there is no fraction to draw: show bytes and speed only.
        this.startBar(
          e.totalBytes === undefined
            ? `${e.file.padEnd(FILE_COLUMN)}{got} | {speed}`
            : `${e.file.padEnd(FILE_COLUMN)}${err.cyan('{bar}')} {percentage}% | {got} of {size} | {speed}`,
          e.totalBytes ?? 0,
          { got: formatBytes(0), size: formatBytes(e.totalBytes ?? 0), speed: '-' },
        );
        return;
      case 'progress': {
        const seconds = (now - this.started) / 1000;
        const speed = seconds > 0.2 ? `${formatBytes(e.bytes / seconds)}/s` : '-';
        if (this.bar) this.bar.update(Math.min(e.bytes, this.total ?? e.bytes), { got: formatBytes(e.bytes), speed });
        else this.plainLine(now, () => `${e.file}.gz: ${formatBytes(e.bytes)}${this.total === undefined ? '' : ` of ${formatBytes(this.total)}`} (${speed})`);
        return;
      }
      case 'mirror-failed': {
        const next = e.mirrorsLeft > 0 ? 'trying the next mirror' : 'no more mirrors';
        this.log(`${err.yellow('warning:')} ${e.file}.gz from ${e.mirror}: ${e.reason}; ${next}`);
        return;
      }
      case 'done': {
        this.stop();
        if (e.skipped) return;
        const seconds = (e.ms ?? 0) / 1000;
        const bytes = e.bytes ?? 0;
        const speed = seconds > 0 ? ` (${formatBytes(bytes / seconds)}/s)` : '';
        this.log(`${e.file}.gz: ${formatBytes(bytes)} in ${formatSeconds(seconds)}${speed} from ${this.mirror}, verified`);
        return;
      }
    }
  }
}

/** 9912422 -> `9.9 MB` (decimal units, as download tools show them). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
