/**
 * Small number formatters shared by every command's output, so that the same figure reads the
 * same everywhere: accuracy as `9812/10000 (98.12%)`, never an integer percent.
 */

/** `9812/10000 (98.12%)`. */
export function formatAccuracy(correct: number, total: number): string {
  return `${correct}/${total} (${formatPercent(total > 0 ? correct / total : 0)})`;
}

/** 0.98123 -> `98.12%`. */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Seconds as `4.2s`, `1m 05s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - m * 60);
  return `${m}m ${String(s).padStart(2, '0')}s`;
}

/** 12345.6 -> `12,346`. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Messages may quote other libraries' text (JSON.parse quotes its input): errors stay one line. */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
