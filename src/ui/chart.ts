/**
 * A small terminal line chart: one or two series over epochs (train and validation loss), drawn
 * with box-drawing characters and a labelled y axis, a few lines tall. For the end of
 * `mnist train` on a terminal; plain text with optional colour through the `paint` functions.
 * Not a plotting library: columns are evenly spaced epochs and the y scale is linear.
 */

export interface ChartSeries {
  name: string;
  values: readonly (number | null)[];
  /** Marker for this series' points. */
  mark: string;
  paint?: (text: string) => string;
}

export interface TextChartOptions {
  /** Rows of plot area. */
  height?: number;
  /** Most characters of plot area; epochs beyond this are sampled evenly. */
  maxWidth?: number;
  format?: (v: number) => string;
}

export function textChart(series: readonly ChartSeries[], o: TextChartOptions = {}): string[] {
  const height = o.height ?? 8;
  const maxWidth = o.maxWidth ?? 60;
  const format = o.format ?? ((v: number) => v.toFixed(3));
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const finite = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (n === 0 || finite.length === 0) return [];
  const lo = Math.min(...finite), hi = Math.max(...finite);
  const span = hi - lo || 1;
  // Columns: one per epoch, spaced out when there are few, sampled when there are many.
  const step = n === 1 ? 1 : Math.max(1, Math.min(6, Math.floor(maxWidth / n)));
  const columns = Math.min(n, Math.floor(maxWidth / step));
  const width = (columns - 1) * step + 1;
  const grid: string[][] = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const rowOf = (v: number) => Math.round(((hi - v) / span) * (height - 1));
  for (const s of series) {
    let prev: { x: number; row: number } | null = null;
    for (let c = 0; c < columns; c++) {
      const i = columns === 1 ? 0 : Math.round((c * (n - 1)) / (columns - 1));
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) {
        prev = null;
        continue;
      }
      const x = c * step, row = rowOf(v);
      if (prev !== null) {
        // Join to the previous point with dots along the straight line between them.
        for (let k = 1; k < x - prev.x; k++) {
          const r = Math.round(prev.row + ((row - prev.row) * k) / (x - prev.x));
          if (grid[r][prev.x + k] === ' ') grid[r][prev.x + k] = s.paint ? s.paint('·') : '·';
        }
      }
      grid[row][x] = s.paint ? s.paint(s.mark) : s.mark;
      prev = { x, row };
    }
  }
  const labels = grid.map((_, r) => (r === 0 ? format(hi) : r === height - 1 ? format(lo) : r === Math.floor((height - 1) / 2) ? format(hi - (span * r) / (height - 1)) : ''));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const lines = grid.map((row, r) => `${labels[r].padStart(labelWidth)} ┤${row.join('')}`);
  lines.push(`${' '.repeat(labelWidth)} └${'─'.repeat(width)}`);
  const last = String(n);
  lines.push(`${' '.repeat(labelWidth + 2)}1${last.padStart(Math.max(0, width - 1))}  epoch`);
  lines.push(`${' '.repeat(labelWidth + 2)}${series.map((s) => `${s.paint ? s.paint(s.mark) : s.mark} ${s.name}`).join('   ')}`);
  return lines;
}
