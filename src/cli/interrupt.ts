/**
 * Ctrl-C handling for long commands. The first SIGINT aborts an AbortSignal that the command
 * checks between batches, so it can stop cleanly and save; a second SIGINT runs the registered
 * cleanups (stop progress bars, restore the cursor) and exits 130 at once. Installing a SIGINT
 * listener removes Node's default exit, so this module is the only place that decides.
 */

export interface Interrupt {
  readonly signal: AbortSignal;
  /** Registers a cleanup to run before a forced exit; returns a function that unregisters it. */
  onForcedExit(cleanup: () => void): () => void;
  /** Removes the SIGINT listener (the command is done). */
  dispose(): void;
}

export function listenForInterrupt(notice: (line: string) => void): Interrupt {
  const controller = new AbortController();
  const cleanups = new Set<() => void>();
  const onSigint = () => {
    if (!controller.signal.aborted) {
      notice('interrupted: stopping after the current batch (press Ctrl-C again to quit at once)');
      controller.abort();
      return;
    }
    for (const cleanup of cleanups) cleanup();
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  return {
    signal: controller.signal,
    onForcedExit(cleanup) {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
    dispose() {
      process.off('SIGINT', onSigint);
    },
  };
}
