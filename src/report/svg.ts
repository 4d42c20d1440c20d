/**
 * Inline SVG line charts for the HTML report and the moons picture: per-epoch curves with axes,
 * ticks and a legend. Plain strings, no library; colours are CSS values so the page's light and
 * dark themes apply (axes and text use currentColor). Not a general plotting package.
 */

export interface Series {
  name: string;
  /** One value per x (x = 1, 2, ...); null or non-finite values leave a gap. */
  values: readonly (number | null)[];
  /** A CSS colour. */
  color: string;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  /** Tick label formatter for the y axis. */
  yFormat?: (v: number) => string;
  width?: number;
  height?: number;
  /** Force the y range (for accuracy, say); otherwise it fits the data with a margin. */
  yMin?: number;
  yMax?: number;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "Nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const width = o.width ?? 520, height = o.height ?? 300;
  const left = 56, right = 12, top = 30, bottom = 44;
  const fmt = o.yFormat ?? ((v: number) => String(Number(v.toPrecision(3))));
  const points = Math.max(1, ...series.map((s) => s.values.length));
  const finite = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let yMin = o.yMin ?? (finite.length ? Math.min(...finite) : 0);
  let yMax = o.yMax ?? (finite.length ? Math.max(...finite) : 1);
  if (o.yMin === undefined && o.yMax === undefined) {
    const margin = (yMax - yMin) * 0.08 || Math.abs(yMax) * 0.1 || 1;
    yMin = Math.max(yMin >= 0 ? 0 : -Infinity, yMin - margin);
    yMax += margin;
  }
  const plotW = width - left - right, plotH = height - top - bottom;
  const x = (i: number) => left + (points === 1 ? plotW / 2 : (i / (points - 1)) * plotW);
  const y = (v: number) => top + (1 - (v - yMin) / (yMax - yMin || 1)) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(o.title)}" class="chart">`);
  parts.push(`<text x="${left}" y="18" font-size="14" font-weight="600" fill="currentColor">${escapeXml(o.title)}</text>`);
  for (const t of niceTicks(yMin, yMax)) {
    const ty = y(t).toFixed(1);
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="currentColor" stroke-opacity="0.15"/>`);
    parts.push(`<text x="${left - 6}" y="${ty}" font-size="11" text-anchor="end" dominant-baseline="middle" fill="currentColor">${escapeXml(fmt(t))}</text>`);
  }
  const xTicks = niceTicks(1, points, Math.min(points - 1, 8)).filter((t) => Number.isInteger(t));
  for (const t of points === 1 ? [1] : xTicks) {
    const tx = x(t - 1).toFixed(1);
    parts.push(`<text x="${tx}" y="${height - bottom + 16}" font-size="11" text-anchor="middle" fill="currentColor">${t}</text>`);
  }
  parts.push(`<text x="${left + plotW / 2}" y="${height - 8}" font-size="12" text-anchor="middle" fill="currentColor">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="currentColor" stroke-opacity="0.4"/>`);
  series.forEach((s, k) => {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"/>`);
    if (s.values.length <= 40) {
      s.values.forEach((v, i) => {
        if (v !== null && Number.isFinite(v)) parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.5" fill="${s.color}"><title>${escapeXml(`${s.name}, ${o.xLabel} ${i + 1}: ${fmt(v)}`)}</title></circle>`);
      });
    }
    const lx = width - right - 8 - (series.length - k) * 110;
    parts.push(`<rect x="${lx}" y="10" width="12" height="3" fill="${s.color}"/><text x="${lx + 16}" y="14" font-size="11" dominant-baseline="middle" fill="currentColor">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
