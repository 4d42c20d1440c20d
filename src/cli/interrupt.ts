/**
 * Signals: SIGINT (Ctrl-C), SIGTERM (kill, timeout, systemd, container stops) and SIGHUP (the
 * terminal went away) all get the same care, from the first line of the program to its exit.
 * `installSignalHandlers()` runs once at start-up (main.ts). While a command has asked to stop
 * gracefully (`listenForInterrupt`), the first signal aborts its AbortSignal, so it can stop at
 * a safe point, save what it has, and exit with the signal's code; with no such command, or on a
 * second signal, the registered cleanups run, every live temp file is removed, and the process
 * exits at once. Exit codes follow the shell: 128 + signal number (SIGHUP 129, SIGINT 130, SIGTERM 143).
 */

import { removeLiveTempFilesSync } from '../files/atomic.js';

export const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type HandledSignal = (typeof HANDLED_SIGNALS)[number];

const SIGNAL_EXIT: Record<HandledSignal, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** The exit code a shell expects after `signal`. */
export function exitCodeFor(signal: HandledSignal): number {
  return SIGNAL_EXIT[signal];
}

export interface Interrupt {
  readonly signal: AbortSignal;
  /** The signal that stopped the run, or null. */
  received(): HandledSignal | null;
  /** Exit code for the received signal (130 when none was received). */
  exitCode(): number;
  /** Registers a cleanup to run before a forced exit; returns a function that unregisters it. */
  onForcedExit(cleanup: () => void): () => void;
  /** Stops listening for graceful stops (the command is done); later signals exit at once. */
  dispose(): void;
}

interface Listener {
  controller: AbortController;
  notice: (line: string, signal: HandledSignal) => void;
}

let installed = false;
let first: HandledSignal | null = null;
const listeners = new Set<Listener>();
const cleanups = new Set<() => void>();

function forcedExit(signal: HandledSignal, again: boolean): never {
  try {
    const word = signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`;
    process.stderr.write(again ? `${word} again: quitting at once (temp files removed, nothing else written)\n` : `${word}\n`);
  } catch {
    // stderr may be gone (SIGHUP); exiting is what matters.
  }
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Exiting anyway; a failed cleanup must not keep temp files around.
    }
  }
  removeLiveTempFilesSync();
  process.exit(exitCodeFor(signal));
}

function onSignal(signal: HandledSignal): void {
  if (first !== null || listeners.size === 0) forcedExit(signal, first !== null);
  first = signal;
  for (const listener of listeners) {
    try {
      listener.notice(describe(signal), signal);
    } catch {
      // stderr may be gone (SIGHUP after the terminal closed); stopping matters more than saying so.
    }
    listener.controller.abort();
  }
}

function describe(signal: HandledSignal): string {
  const again = signal === 'SIGINT' ? 'press Ctrl-C again' : `send ${signal} again`;
  return `${signal === 'SIGINT' ? 'interrupted' : `received ${signal}`}: stopping at the next safe point (${again} to quit at once)`;
}

/**
 * Replaces Node's default exit on SIGINT, SIGTERM and SIGHUP with the handling above. Idempotent.
 * Until a command listens, a signal exits at once (after removing temp files).
 */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of HANDLED_SIGNALS) process.on(signal, () => onSignal(signal));
}

/**
 * Asks for graceful stops: the first signal aborts the returned AbortSignal (after printing
 * `notice`) instead of exiting. Also installs the handlers if main.ts has not (tests).
 */
export function listenForInterrupt(notice: (line: string, signal: HandledSignal) => void): Interrupt {
  installSignalHandlers();
  const listener: Listener = { controller: new AbortController(), notice };
  if (first !== null) listener.controller.abort();
  listeners.add(listener);
  return {
    signal: listener.controller.signal,
    received: () => first,
    exitCode: () => exitCodeFor(first ?? 'SIGINT'),
    onForcedExit(cleanup) {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
    dispose() {
      listeners.delete(listener);
    },
  };
}
