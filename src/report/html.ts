/**
 * The model report as one self-contained HTML file: inline CSS, inline SVG charts, images as
 * data: URIs, no script and no network, so it opens from disk in any browser, prints, and can be
 * mailed. Light and dark themes follow prefers-color-scheme; the layout reflows down to a phone's
 * width. Takes numbers already computed (training/evaluate.ts via cli/test-set.ts); computes none
 * of its own beyond formatting, so its figures are `mnist evaluate`'s.
 */

import type { ModelFile } from '../io/model-file.js';
import { describeSpec, paramLayout } from '../model/network.js';
import { describeOptimizerSettings } from '../model/optimizers.js';
import type { Evaluation } from '../training/evaluate.js';
import { pageStart, themeCss } from './html-page.js';
import { pngDataUri } from './png-out.js';
import { createRaster, drawGray, type Raster } from './raster.js';
import { escapeXml, lineChart } from './svg.js';

export interface ReportDigit {
  /** 784 bytes, MNIST style (0 = background, 255 = ink). */
  pixels: Uint8Array;
}

export interface ReportMistake extends ReportDigit {
  index: number;
  truth: number;
  predicted: number;
  confidence: number;
}

export interface ReportSample extends ReportDigit {
  label: number;
  /** Augmented copies of the same image (data/augment.ts). */
  variants: Uint8Array[];
}

export interface ReportInput {
  model: ModelFile;
  /** The model file's name as the user gave it. */
  modelName: string;
  evaluation: Evaluation;
  /** Where the test images came from and which engine computed the figures. */
  dataLabel: string;
  engine: string;
  /** The misclassified test digits to show (most confident first) and how many there are in all. */
  mistakes: ReportMistake[];
  totalMistakes: number;
  samples: ReportSample[];
  /** Most first-layer tiles to draw. */
  maxTiles: number;
  generatedAt: Date;
  generator: string;
}

const esc = escapeXml;
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

/** A 28x28 digit as a PNG data URI (white ink on black, like MNIST). */
export function digitUri(pixels: ArrayLike<number>, side = 28): string {
  const r = createRaster(side, side, [0, 0, 0]);
  drawGray(r, pixels, side, 0, 0, 1, [0, 0, 0], [255, 255, 255]);
  return pngDataUri(r);
}

/**
 * One hidden unit's incoming weights as a side x side tile: blue for positive, red for negative,
 * white for zero, scaled by the tile's own largest magnitude (each unit's pattern, not its size).
 */
export function weightTile(weights: Float32Array, side: number): Raster {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const r = createRaster(side, side, [255, 255, 255]);
  for (let i = 0; i < side * side; i++) {
    const t = max > 0 ? weights[i] / max : 0;
    const fade = Math.round(255 * (1 - Math.abs(t)));
    const o = i * 4;
    // White through blue for positive weights, white through red for negative ones.
    r.rgba[o] = t >= 0 ? fade : 255;
    r.rgba[o + 1] = fade;
    r.rgba[o + 2] = t >= 0 ? 255 : fade;
  }
  return r;
}

export function buildReport(input: ReportInput): string {
  const { model, evaluation } = input;
  const title = `mnist-mlp report: ${input.modelName}`;
  return `${pageStart({ title, css: REPORT_CSS })}<header>
<h1>${esc(input.modelName)}</h1>
<p class="lead"><span data-testid="architecture">${esc(describeSpec(model.architecture))}</span> ·
test accuracy <strong data-testid="accuracy">${evaluation.correct}/${evaluation.total} (${((evaluation.correct / Math.max(1, evaluation.total)) * 100).toFixed(2)}%)</strong> ·
average loss <strong data-testid="loss">${evaluation.loss.toFixed(4)}</strong></p>
<nav><a href="#model-card">Model</a><a href="#curves">Training</a><a href="#confusion">Confusion</a><a href="#mistakes">Mistakes</a><a href="#weights">Weights</a><a href="#augmentation">Augmentation</a></nav>
</header>
<main>
${modelCard(input)}
${curves(model)}
${confusion(evaluation)}
${mistakes(input)}
${weights(model, input.maxTiles)}
${augmentation(input.samples)}
</main>
<footer>Written by ${esc(input.generator)} on ${esc(input.generatedAt.toISOString())}. The test figures were computed for this report by the same code as <code>mnist evaluate</code> (${esc(input.engine)} engine) on ${esc(input.dataLabel)}.</footer>
</body>
</html>
`;
}

function section(id: string, heading: string, body: string): string {
  return `<section id="${id}" data-testid="section-${id}"><h2>${esc(heading)}</h2>${body}</section>`;
}

function rows(pairs: [string, string][]): string {
  return `<table class="kv">${pairs.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function modelCard(input: ReportInput): string {
  const { model } = input;
  const t = model.training;
  const layout = paramLayout(model.architecture.sizes);
  const architecture = rows([
    ['layers', esc(model.architecture.sizes.join(' → '))],
    ['hidden activation', esc(model.architecture.activation)],
    ['output', esc(`${model.architecture.output}, ${model.architecture.loss} loss`)],
    ['parameters', layout.count.toLocaleString('en-US')],
    ['input', esc(`${model.input.width}x${model.input.height} pixels, x = pixel * ${Number(model.input.scale.toPrecision(6))}`)],
    ['state', model.partial ? '<strong>partial</strong>: training was interrupted' : 'complete'],
    ['created', esc(model.createdAt)],
    ['written by', esc(`${model.generator.name} ${model.generator.version}`)],
  ]);
  const training = rows([
    ['epochs', String(t.epochs)],
    ['batch size', String(t.batchSize)],
    ['learning rate', esc(`${t.lr} (${t.schedule}${t.warmup ? ` after ${t.warmup} warm-up epoch${t.warmup === 1 ? '' : 's'}` : ''})`)],
    ['optimizer', esc(describeOptimizerSettings(t.optimizer, t))],
    ...(t.labelSmoothing ? [['label smoothing', String(t.labelSmoothing)] as [string, string]] : []),
    ['initialisation', esc(t.init)],
    ['seed', String(t.seed)],
    ['augmentation', t.augment ? 'random rotation, shear, scale and shift' : 'none'],
    ['training images', t.trainImages.toLocaleString('en-US')],
    ['validation images', t.valSize.toLocaleString('en-US')],
    ['optimizer steps', t.steps.toLocaleString('en-US')],
    ['engine', esc(t.engine)],
  ]);
  const data = rows([
    ['source', esc(model.data.source)],
    ...Object.entries(model.data.sha256).map(([file, hash]): [string, string] => [file, `<code class="hash">${esc(hash)}</code>`]),
  ]);
  return section('model-card', 'Model card', `<div class="cards"><div><h3>Architecture</h3>${architecture}</div><div><h3>Training settings</h3>${training}</div><div class="wide"><h3>Data (SHA-256 of each file)</h3>${data}</div></div>`);
}

function curves(model: ModelFile): string {
  const epochs = model.metrics.epochs;
  if (epochs.length === 0) return section('curves', 'Training curves', '<p>The model file holds no completed epoch.</p>');
  const loss = lineChart([
    { name: 'train loss', values: epochs.map((e) => e.trainLoss), color: 'var(--c1)' },
    { name: 'validation loss', values: epochs.map((e) => e.valLoss), color: 'var(--c2)' },
  ], { title: 'Loss per epoch', xLabel: 'epoch', yFormat: (v) => v.toFixed(2) });
  const hasVal = epochs.some((e) => e.valAccuracy !== null);
  const accuracy = hasVal
    ? lineChart([{ name: 'validation accuracy', values: epochs.map((e) => e.valAccuracy), color: 'var(--c3)' }], {
      title: 'Validation accuracy per epoch', xLabel: 'epoch', yFormat: (v) => `${(v * 100).toFixed(1)}%`,
    })
    : '<p>No validation set was held out (--val-size 0), so there is no validation curve.</p>';
  const table = `<details><summary>Numbers</summary><table class="num"><thead><tr><th>epoch</th><th>train loss</th><th>val loss</th><th>val accuracy</th><th>seconds</th></tr></thead><tbody>${epochs
    .map((e) => `<tr><td>${e.epoch}</td><td>${e.trainLoss.toFixed(4)}</td><td>${e.valLoss === null ? '–' : e.valLoss.toFixed(4)}</td><td>${e.valAccuracy === null ? '–' : `${(e.valAccuracy * 100).toFixed(2)}%`}</td><td>${e.seconds.toFixed(2)}</td></tr>`)
    .join('')}</tbody></table></details>`;
  return section('curves', 'Training curves', `<div class="charts">${loss}${accuracy}</div>${table}`);
}

function confusion(evaluation: Evaluation): string {
  const m = evaluation.confusion;
  const classes = m.length;
  const head = `<tr><th class="corner">true \\ predicted</th>${m.map((_, p) => `<th scope="col">${p}</th>`).join('')}<th scope="col">recall</th><th scope="col">precision</th></tr>`;
  const body = m.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const cells = row.map((n, p) => {
      const share = n / total;
      // Diagonal: blue by the share read right; mistakes: red, on a square-root scale so a few stand out.
      const alpha = p === t ? 0.15 + 0.85 * share : n === 0 ? 0 : Math.min(1, 0.12 + Math.sqrt(share) * 1.6);
      const colour = p === t ? `rgba(37,99,235,${alpha.toFixed(3)})` : `rgba(220,38,38,${alpha.toFixed(3)})`;
      const strong = alpha > 0.55 ? ' class="strong"' : '';
      return `<td${strong} style="background:${colour}" title="true ${t}, predicted ${p}: ${n}">${n}</td>`;
    }).join('');
    const c = evaluation.perClass[t];
    return `<tr><th scope="row">${t}</th>${cells}<td class="metric" data-testid="recall-${t}">${pct(c.recall)}</td><td class="metric" data-testid="precision-${t}">${pct(c.precision)}</td></tr>`;
  }).join('');
  return section('confusion', 'Confusion matrix (test set)', `<p>Rows are the true digit, columns the network's answer; ${classes} classes, ${evaluation.total.toLocaleString('en-US')} test images. Recall: share of a digit's images read correctly. Precision: share of the answers "this digit" that were right.</p><div class="scroll"><table class="confusion" data-testid="confusion">${head}${body}</table></div>`);
}

function mistakes(input: ReportInput): string {
  const shown = input.mistakes.length;
  if (input.totalMistakes === 0) return section('mistakes', 'Misclassified test digits', '<p>None: every test digit was read correctly.</p>');
  const items = input.mistakes.map((m) => `<figure class="digit" data-testid="mistake"><img src="${digitUri(m.pixels)}" alt="test image ${m.index}: a ${m.truth} read as ${m.predicted}" width="56" height="56"><figcaption><span class="truth">${m.truth}</span>→<span class="pred">${m.predicted}</span> <span class="conf">${(m.confidence * 100).toFixed(1)}%</span><br><small>#${m.index}</small></figcaption></figure>`).join('');
  return section('mistakes', 'Misclassified test digits', `<p data-testid="mistake-count">${input.totalMistakes.toLocaleString('en-US')} of ${input.evaluation.total.toLocaleString('en-US')} test digits were misread; ${shown === input.totalMistakes ? 'all are' : `the ${shown} most confident mistakes are`} shown, each as true→predicted with the network's confidence in its answer.</p><div class="gallery">${items}</div>`);
}

function weights(model: ModelFile, maxTiles: number): string {
  const layer = paramLayout(model.architecture.sizes).layers[0];
  const side = model.input.width; // loadModel accepts only 28x28 inputs, so the tiles are square
  const count = Math.min(layer.outDim, maxTiles);
  const tiles: string[] = [];
  for (let u = 0; u < count; u++) {
    const w = model.params.subarray(layer.weightOffset + u * layer.inDim, layer.weightOffset + (u + 1) * layer.inDim);
    tiles.push(`<img src="${pngDataUri(weightTile(w, side))}" alt="unit ${u}" title="unit ${u}" width="56" height="56">`);
  }
  const note = count < layer.outDim ? ` The first ${count} of ${layer.outDim} units are shown.` : '';
  return section('weights', 'First-layer weights', `<p>Each tile is one unit of the first layer: the weight it gives each of the ${layer.inDim} pixels, blue positive, red negative, each tile scaled to its own largest weight.${note}</p><div class="tiles" data-testid="weight-tiles">${tiles.join('')}</div>`);
}

function augmentation(samples: ReportSample[]): string {
  const body = samples.map((s) => `<div class="aug-row"><figure class="digit"><img src="${digitUri(s.pixels)}" alt="training digit ${s.label}" width="56" height="56"><figcaption>original ${s.label}</figcaption></figure>${s.variants.map((v, k) => `<figure class="digit"><img src="${digitUri(v)}" alt="augmented copy ${k + 1}" width="56" height="56"><figcaption>copy ${k + 1}</figcaption></figure>`).join('')}</div>`).join('');
  return section('augmentation', 'Training digits and their augmented copies', `<p>With augmentation on (the default), every epoch shows the network randomly rotated, slanted, scaled and shifted copies like these instead of the originals.</p>${body}`);
}

const REPORT_CSS = themeCss(
  '--c1:#2563eb;--c2:#d97706;--c3:#059669;--truth:#15803d;--pred:#b91c1c',
  '--c1:#60a5fa;--c2:#fbbf24;--c3:#34d399;--truth:#86efac;--pred:#fca5a5',
) + `header,main,footer{max-width:1100px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
h1{font-size:1.5rem;margin:0 0 4px;word-break:break-all}
h2{font-size:1.2rem;margin:32px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:1rem;margin:0 0 6px}
.lead{margin:0 0 8px}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:.9rem}
a{color:var(--c1)}
p{color:var(--muted);max-width:75ch}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em}
.hash{word-break:break-all}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:12px}
.cards>div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px}
.cards .wide{grid-column:1/-1}
table{border-collapse:collapse}
.kv th{text-align:left;font-weight:500;color:var(--muted);padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap}
.kv td{padding:2px 0}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.chart{width:100%;height:auto;background:var(--card);border:1px solid var(--line);border-radius:8px}
.num td,.num th{padding:2px 10px;text-align:right;font-variant-numeric:tabular-nums}
details{margin-top:8px}
.scroll{overflow-x:auto}
.confusion{font-variant-numeric:tabular-nums;font-size:.9rem}
.confusion th,.confusion td{padding:4px 6px;text-align:right;border:1px solid var(--line);min-width:2.6em}
.confusion td.strong{color:#fff}
.confusion td.metric{background:var(--card)}
.corner{font-weight:500;color:var(--muted);font-size:.8rem}
.gallery,.tiles{display:flex;flex-wrap:wrap;gap:6px}
.digit{margin:0;text-align:center;font-size:.8rem;font-variant-numeric:tabular-nums}
.digit img,.tiles img{display:block;width:56px;height:56px;image-rendering:pixelated;border-radius:3px;border:1px solid var(--line)}
.truth{color:var(--truth);font-weight:600}.pred{color:var(--pred);font-weight:600}.conf{color:var(--muted)}
.aug-row{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:10px}
.aug-row .digit:first-child img{outline:2px solid var(--c1)}
footer{color:var(--muted);font-size:.85rem;padding:24px 16px 40px}
@media (max-width:600px){body{font-size:14px}.digit img,.tiles img{width:44px;height:44px}}
`;
