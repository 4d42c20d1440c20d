/**
 * Training progress on stderr, implementing training's Reporter: a cli-progress bar per epoch
 * (batches, running loss, images/s, ETA) when stderr is a TTY; otherwise a plain line at most
 * every few seconds, because cli-progress prints nothing at all to a non-TTY. After each epoch one
 * summary line. Nothing in quiet mode. `stop()` must run on every exit path: the bar hides the cursor.
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

export class TrainProgress implements Reporter {
  private bar: cliProgress.SingleBar | null = null;
  private readonly stream: NodeJS.WriteStream;
  private readonly quiet: boolean;
  private readonly tty: boolean;
  private readonly plainInterval: number;
  private lastPlain = 0;
  private epochs = 0;
  private lastUpdate = 0;

  constructor(options: ProgressOptions) {
    this.stream = options.stream;
    this.quiet = options.quiet;
    this.tty = Boolean(options.stream.isTTY);
    this.plainInterval = options.plainInterval ?? 5;
  }

  /** A log line on stderr (not in quiet mode), printed above any active bar. */
  log(line: string): void {
    if (this.quiet) return;
    if (this.bar) this.bar.stop();
    this.bar = null;
    this.stream.write(line + '\n');
  }

  epochStart(epoch: number, epochs: number, batches: number): void {
    this.epochs = epochs;
    this.lastPlain = performance.now();
    if (this.quiet || !this.tty) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.stream,
        format: `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs} ${err.cyan('{bar}')} {value}/{total} | loss {loss} | {speed} img/s | ETA {eta_formatted}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(batches, 0, { loss: '-', speed: '-' });
  }

  batchEnd(epoch: number, batch: number, batches: number, runningLoss: number, images: number, seconds: number): void {
    if (this.quiet) return;
    const now = performance.now();
    if (this.bar) {
      // Formatting numbers every batch costs more than the batch on a fast engine; 20 Hz is plenty.
      if (now - this.lastUpdate < 50 && batch < batches) return;
      this.lastUpdate = now;
      this.bar.update(batch, { loss: runningLoss.toFixed(4), speed: formatInt(images / Math.max(seconds, 1e-9)) });
    } else if (!this.tty && (now - this.lastPlain) / 1000 >= this.plainInterval && batch < batches) {
      this.lastPlain = now;
      this.stream.write(
        `epoch ${epoch}/${this.epochs}  batch ${batch}/${batches}  loss ${runningLoss.toFixed(4)}  ${formatInt(images / Math.max(seconds, 1e-9))} img/s\n`,
      );
    }
  }

  epochEnd(m: EpochMetrics): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
    if (this.quiet) return;
    const width = String(this.epochs).length;
    const val = m.valLoss === null || m.valAccuracy === null
      ? 'no validation set'
      : `val loss ${m.valLoss.toFixed(4)}  val acc ${err.bold(formatPercent(m.valAccuracy))}`;
    this.stream.write(
      `epoch ${String(m.epoch).padStart(width)}/${this.epochs}  train loss ${m.trainLoss.toFixed(4)}  ${val}  ${formatSeconds(m.seconds)}\n`,
    );
  }

  /** Stops the bar and restores the cursor; safe to call any number of times. */
  stop(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }
}
