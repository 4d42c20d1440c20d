/**
 * The two-moons picture as one SVG: the classifier's probability over the plane as a background
 * image (blue for class 0, orange for class 1, paler near 0.5, the 0.5 boundary itself drawn
 * dark), the training and test points on top, and the loss curve beside it. Takes a function that
 * gives P(class 1) at a point, so it knows nothing about networks.
 */

import { pngDataUri } from './png-out.js';
import { createRaster } from './raster.js';
import { escapeXml, lineChart, type Series } from './svg.js';

export interface BoundaryInput {
  /** P(class 1) at plane coordinates (x, y). */
  probability: (x: number, y: number) => number;
  window: { xMin: number; xMax: number; yMin: number; yMax: number };
  train: { points: Float64Array; labels: Uint8Array };
  test: { points: Float64Array; labels: Uint8Array };
  /** Loss curves per epoch (training, test). */
  curves: Series[];
  title: string;
  /** Cells per side of the probability image. */
  resolution?: number;
}

const CLASS_RGB: [number, number, number][] = [[37, 99, 235], [234, 88, 12]];

export function boundarySvg(o: BoundaryInput): string {
  const res = o.resolution ?? 300;
  const { xMin, xMax, yMin, yMax } = o.window;
  const aspect = (yMax - yMin) / (xMax - xMin);
  const cols = res, rows = Math.max(1, Math.round(res * aspect));
  const field = createRaster(cols, rows, [255, 255, 255]);
  const probs = new Float64Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = xMin + ((c + 0.5) / cols) * (xMax - xMin);
      const y = yMax - ((r + 0.5) / rows) * (yMax - yMin);
      probs[r * cols + c] = o.probability(x, y);
    }
  }
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    const c = (i % cols), r = Math.floor(i / cols);
    // The boundary: a cell whose right or lower neighbour is on the other side of 0.5.
    const edge = (c + 1 < cols && (probs[i + 1] >= 0.5) !== (p >= 0.5)) || (r + 1 < rows && (probs[i + cols] >= 0.5) !== (p >= 0.5));
    const rgb = CLASS_RGB[p >= 0.5 ? 1 : 0];
    const strength = 0.15 + 0.35 * Math.abs(2 * p - 1);
    for (let k = 0; k < 3; k++) field.rgba[i * 4 + k] = edge ? 40 : Math.round(255 + (rgb[k] - 255) * strength);
  }
  const W = 600, H = Math.round(W * aspect);
  const sx = (x: number) => ((x - xMin) / (xMax - xMin)) * W;
  const sy = (y: number) => ((yMax - y) / (yMax - yMin)) * H;
  const dots = (set: { points: Float64Array; labels: Uint8Array }, test: boolean) => Array.from(set.labels, (label, i) => {
    const [r, g, b] = CLASS_RGB[label];
    const cx = sx(set.points[2 * i]).toFixed(1), cy = sy(set.points[2 * i + 1]).toFixed(1);
    return test
      ? `<circle cx="${cx}" cy="${cy}" r="4" fill="none" stroke="rgb(${r},${g},${b})" stroke-width="2"/>`
      : `<circle cx="${cx}" cy="${cy}" r="3.2" fill="rgb(${r},${g},${b})" stroke="#fff" stroke-width="0.8"/>`;
  }).join('');
  const chart = lineChart(o.curves, {
    title: 'Loss per epoch', xLabel: 'epoch', width: 420, height: H, yFormat: (v) => v.toFixed(2),
  });
  const total = W + 20 + 420;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${H + 40}" viewBox="0 0 ${total} ${H + 40}" style="color:#1f2328;font-family:system-ui,sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="0" y="22" font-size="16" font-weight="600" fill="currentColor">${escapeXml(o.title)}</text>
<g transform="translate(0,34)">
<image href="${pngDataUri(field)}" width="${W}" height="${H}" preserveAspectRatio="none"/>
<rect width="${W}" height="${H}" fill="none" stroke="#888"/>
${dots(o.train, false)}${dots(o.test, true)}
<text x="8" y="${H - 10}" font-size="12" fill="currentColor">filled: training points · rings: test points · dark line: P = 0.5</text>
</g>
<g transform="translate(${W + 20},34)">${chart}</g>
</svg>
`;
}
