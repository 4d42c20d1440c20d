/**
 * The draw-a-digit page that `mnist serve` shows: one HTML document with inline CSS and a little
 * plain JavaScript (no framework, no network beyond its own server). The page draws on a canvas
 * with pointer events (mouse, pen, touch), sends the canvas as a PNG, or an uploaded file's bytes,
 * to POST /api/predict, and shows the ten probabilities and the 28x28 image the network saw.
 * It computes nothing itself, so it and `mnist predict` agree by construction.
 */

import { pageStart, themeCss } from '../report/html-page.js';
import { escapeXml } from '../report/svg.js';

export interface PageOptions {
  /** Title line: the model's name and architecture. */
  modelLabel: string;
  /** Largest upload the server accepts, in bytes (the page refuses bigger files before sending). */
  maxUploadBytes: number;
}

export function drawPage(o: PageOptions): string {
  return `${pageStart({ title: 'mnist-mlp: draw a digit', css: PAGE_CSS, extraHead: '<link rel="icon" href="data:,">' })}<header><h1>Draw a digit</h1><p class="model">${escapeXml(o.modelLabel)} · <a href="/report" target="_blank" rel="noopener" data-testid="report-link">model report</a></p></header>
<main>
<section class="left">
<canvas id="pad" data-testid="pad" width="280" height="280" aria-label="drawing pad: draw one digit with the mouse, a pen or a finger"></canvas>
<div class="buttons">
<button id="clear" type="button" data-testid="clear">Clear</button>
<label class="upload">Upload a PNG or JPEG<input id="file" data-testid="upload" type="file" accept="image/png,image/jpeg,.png,.jpg,.jpeg"></label>
</div>
<p class="hint">Draw one digit, large and centred, or drop an image file on the pad.</p>
<p id="error" data-testid="error" role="alert" hidden></p>
</section>
<section class="right">
<div class="answer"><span class="label">prediction</span><output id="prediction" data-testid="prediction" data-busy="false">–</output><span id="confidence" class="confidence"></span></div>
<ol id="bars" class="bars" data-testid="bars"></ol>
<figure class="seen"><canvas id="seen" data-testid="seen" width="28" height="28"></canvas><figcaption>what the network saw (28x28, after MNIST-style preprocessing)</figcaption></figure>
</section>
</main>
<script>
const MAX_UPLOAD = ${o.maxUploadBytes};
${PAGE_JS}
</script>
</body>
</html>
`;
}

const PAGE_CSS = themeCss('--accent:#2563eb;--bad:#b91c1c', '--accent:#60a5fa;--bad:#fca5a5') + `header,main{max-width:880px;margin:0 auto;padding:0 16px}
h1{font-size:1.5rem;margin:20px 0 0}
.model{color:var(--muted);margin:0 0 16px}
a{color:var(--accent)}
main{display:flex;flex-wrap:wrap;gap:24px}
.left{flex:0 1 320px}.right{flex:1 1 280px}
#pad{display:block;width:100%;max-width:320px;aspect-ratio:1;background:#fff;border:2px solid var(--line);border-radius:10px;touch-action:none;cursor:crosshair}
#pad.drop{border-color:var(--accent)}
.buttons{display:flex;gap:8px;margin-top:10px;flex-wrap:wrap}
button,.upload{font:inherit;padding:6px 14px;border:1px solid var(--line);border-radius:6px;background:var(--card);color:var(--fg);cursor:pointer}
.upload input{display:none}
.hint{color:var(--muted);font-size:.9rem}
#error{color:var(--bad);font-weight:500}
.answer{display:flex;align-items:baseline;gap:12px}
.answer .label{color:var(--muted)}
#prediction{font-size:3.5rem;font-weight:700;line-height:1;min-width:1ch}
.confidence{color:var(--muted)}
.bars{list-style:none;padding:0;margin:12px 0}
.bars li{display:grid;grid-template-columns:1.2em 1fr 4.2em;align-items:center;gap:8px;margin:3px 0;font-variant-numeric:tabular-nums}
.bars .track{display:block;height:14px;background:var(--card);border:1px solid var(--line);border-radius:4px;overflow:hidden}
.bars .fill{display:block;height:100%;width:0;background:var(--accent);transition:width .12s}
.bars li.best .fill{background:#16a34a}
.bars .p{text-align:right;color:var(--muted);font-size:.85rem}
.seen{margin:0}
#seen{width:140px;height:140px;image-rendering:pixelated;background:#000;border-radius:6px;border:1px solid var(--line)}
.seen figcaption{color:var(--muted);font-size:.85rem}
`;

// Plain browser JavaScript; no template literals inside, so it sits safely in the string above.
const PAGE_JS = String.raw`
const pad = document.getElementById('pad');
// A CPU-backed canvas: it is read back (toBlob) after every stroke, which a GPU canvas makes slow.
const ctx = pad.getContext('2d', { willReadFrequently: true });
const predictionEl = document.getElementById('prediction');
const confidenceEl = document.getElementById('confidence');
const errorEl = document.getElementById('error');
const bars = document.getElementById('bars');
const seen = document.getElementById('seen');
const fills = [], texts = [], items = [];
for (let d = 0; d < 10; d++) {
  const li = document.createElement('li');
  li.dataset.testid = 'bar-' + d;
  li.innerHTML = '<span class="d">' + d + '</span><span class="track"><span class="fill"></span></span><span class="p">0.0%</span>';
  bars.appendChild(li);
  items.push(li); fills.push(li.querySelector('.fill')); texts.push(li.querySelector('.p'));
}

function blank() {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
}
blank();
let inked = false, drawing = false, last = null;

function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
}
function stroke(a, b) {
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 18;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(a.x, a.y);
  ctx.lineTo(b.x, b.y);
  ctx.stroke();
  inked = true;
}
pad.addEventListener('pointerdown', (e) => {
  if (e.button !== undefined && e.button > 0) return;
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  drawing = true;
  last = point(e);
  stroke(last, last);
  schedule();
});
pad.addEventListener('pointermove', (e) => {
  if (!drawing) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
  for (const ev of (events.length ? events : [e])) {
    const p = point(ev);
    stroke(last, p);
    last = p;
  }
  schedule();
});
function end() {
  if (!drawing) return;
  drawing = false;
  schedule();
}
pad.addEventListener('pointerup', end);
pad.addEventListener('pointercancel', end);

document.getElementById('clear').addEventListener('click', () => {
  blank();
  inked = false;
  pending = null;
  generation++;
  showError('');
  reset();
});

// One request in flight at a time; while it runs, only the newest drawing waits its turn. An answer
// that arrives after Clear (an older generation) is dropped.
let busy = false, pending = null, generation = 0;
function schedule() {
  if (!inked) return;
  pending = () => new Promise((resolve) => pad.toBlob(resolve, 'image/png'));
  pump();
}
async function pump() {
  if (busy || !pending) return;
  const make = pending;
  const asked = generation;
  pending = null;
  busy = true;
  predictionEl.dataset.busy = 'true';
  try {
    const body = await make();
    const response = await fetch('/api/predict', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body });
    const result = await response.json().catch(() => ({ error: 'the server sent a reply that is not JSON (status ' + response.status + ')' }));
    if (asked !== generation) return;
    if (!response.ok || result.error) { showError(result.error || ('the server answered ' + response.status)); reset(); }
    else { showError(''); show(result); }
  } catch (err) {
    showError('could not reach the server: is mnist serve still running? (' + (err && err.message ? err.message : err) + ')');
  } finally {
    busy = false;
    if (pending) pump();
    else predictionEl.dataset.busy = 'false';
  }
}

function show(result) {
  const p = result.probabilities;
  predictionEl.textContent = String(result.digit);
  confidenceEl.textContent = (p[result.digit] * 100).toFixed(1) + '%';
  for (let d = 0; d < 10; d++) {
    fills[d].style.width = (p[d] * 100).toFixed(2) + '%';
    texts[d].textContent = (p[d] * 100).toFixed(1) + '%';
    items[d].classList.toggle('best', d === result.digit);
  }
  const bytes = Uint8Array.from(atob(result.pixels), (c) => c.charCodeAt(0));
  const sctx = seen.getContext('2d');
  const img = sctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = bytes[i];
    img.data[4 * i + 3] = 255;
  }
  sctx.putImageData(img, 0, 0);
}
function reset() {
  predictionEl.textContent = '–';
  confidenceEl.textContent = '';
  for (let d = 0; d < 10; d++) { fills[d].style.width = '0'; texts[d].textContent = '0.0%'; items[d].classList.remove('best'); }
  seen.getContext('2d').clearRect(0, 0, 28, 28);
}
function showError(text) {
  errorEl.textContent = text;
  errorEl.hidden = !text;
}

function sendFile(file) {
  if (!file) return;
  if (file.size > MAX_UPLOAD) {
    showError(file.name + ' is ' + (file.size / 1048576).toFixed(1) + ' MiB; the server accepts images up to ' + Number((MAX_UPLOAD / 1048576).toFixed(2)) + ' MiB. Scale it down first.');
    reset();
    return;
  }
  blank();
  inked = false;
  generation++;
  pending = () => Promise.resolve(file);
  pump();
  // Show the file on the pad too, fitted inside it (only a picture: the server reads the file itself).
  if (window.createImageBitmap) {
    createImageBitmap(file).then((bitmap) => {
      const k = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
      const w = bitmap.width * k, h = bitmap.height * k;
      ctx.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    }, () => {});
  }
}
document.getElementById('file').addEventListener('change', (e) => {
  sendFile(e.target.files[0]);
  e.target.value = '';
});
// The whole page takes a dropped file (a drop elsewhere would otherwise open the file instead).
document.addEventListener('dragover', (e) => { e.preventDefault(); pad.classList.add('drop'); });
document.addEventListener('dragleave', () => pad.classList.remove('drop'));
document.addEventListener('drop', (e) => {
  e.preventDefault();
  pad.classList.remove('drop');
  sendFile(e.dataTransfer && e.dataTransfer.files[0]);
});
`;
