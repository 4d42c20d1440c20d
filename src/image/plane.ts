/**
 * A single-channel float image (a "plane") and the resampling the pipeline needs:
 * integer box downsampling, exact area-averaging resize of a rectangle, and bilinear
 * sampling for the rare upscale. Pure functions on typed arrays; no I/O, no PNG knowledge.
 */

/** Row-major single-channel image. Values are usually 0..1. */
export interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/** An axis-aligned pixel rectangle: columns x0..x1-1 and rows y0..y1-1 (end-exclusive). */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Averages k x k blocks (the last row/column of blocks may be partial and is averaged
 * over the pixels it has). With k = 1 the input is returned as is, not copied.
 */
export function downsampleBox(src: Plane, k: number): Plane {
  if (k <= 1) return src;
  const { width: w, height: h, data } = src;
  const ow = Math.ceil(w / k);
  const oh = Math.ceil(h / k);
  const sum = new Float64Array(ow * oh);
  // Column -> output column, computed once, so the per-pixel work is one add.
  const colBlock = new Int32Array(w);
  for (let x = 0; x < w; x++) colBlock[x] = (x / k) | 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const o = ((y / k) | 0) * ow;
    for (let x = 0; x < w; x++) sum[o + colBlock[x]] += data[row + x];
  }
  const out = new Float32Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    const rows = Math.min(h, (oy + 1) * k) - oy * k;
    for (let ox = 0; ox < ow; ox++) {
      const cols = Math.min(w, (ox + 1) * k) - ox * k;
      out[oy * ow + ox] = sum[oy * ow + ox] / (rows * cols);
    }
  }
  return { width: ow, height: oh, data: out };
}

/** Copies a rectangle out of a plane (the rectangle must lie inside it). */
export function cropPlane(src: Plane, r: Rect): Plane {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const from = (r.y0 + y) * src.width + r.x0;
    out.set(src.data.subarray(from, from + w), y * w);
  }
  return { width: w, height: h, data: out };
}

/**
 * For one axis: which source pixels each output pixel covers, and with what weight,
 * when the source span [start, start + length) is scaled by `scale` (< 1 shrinks).
 * Output pixel i covers source [start + i/scale, start + (i+1)/scale), clipped to the span;
 * weights are the overlap lengths divided by the full footprint 1/scale, so a fully covered
 * output pixel is an exact average and a partly covered edge pixel gets proportionally less ink.
 */
function areaWeights(start: number, length: number, scale: number, outLength: number) {
  // Each output pixel overlaps at most ceil(1/scale) + 1 source pixels.
  const taps = Math.ceil(1 / scale) + 1;
  const first = new Int32Array(outLength);
  const count = new Int32Array(outLength);
  const weights = new Float64Array(outLength * taps);
  const end = start + length;
  for (let i = 0; i < outLength; i++) {
    const a = start + i / scale;
    const b = Math.min(end, start + (i + 1) / scale);
    if (b <= a) continue;
    const p0 = Math.floor(a);
    const p1 = Math.min(Math.ceil(b), p0 + taps);
    first[i] = p0;
    count[i] = p1 - p0;
    for (let p = p0; p < p1; p++) weights[i * taps + p - p0] = (Math.min(b, p + 1) - Math.max(a, p)) * scale;
  }
  return { first, count, taps, weights };
}

/**
 * Area-averaging resize: the source rectangle `r` is scaled by `scale` (<= 1) into an
 * outW x outH plane whose pixel (0, 0) starts at the rectangle's top-left corner. This is
 * the "anti-aliasing" of the MNIST page's size normalisation: each output pixel is the mean
 * ink over the part of the source it covers, so thin strokes keep their total ink.
 */
export function areaResize(src: Plane, r: Rect, scale: number, outW: number, outH: number): Plane {
  const xs = areaWeights(r.x0, r.x1 - r.x0, scale, outW);
  const ys = areaWeights(r.y0, r.y1 - r.y0, scale, outH);
  const out = new Float32Array(outW * outH);
  const rowAcc = new Float64Array(outW);
  const { width: sw, data } = src;
  for (let oy = 0; oy < outH; oy++) {
    rowAcc.fill(0);
    const y0 = ys.first[oy];
    for (let j = 0; j < ys.count[oy]; j++) {
      const wy = ys.weights[oy * ys.taps + j];
      const rowStart = (y0 + j) * sw;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = rowStart + xs.first[ox];
        const n = xs.count[ox];
        const off = ox * xs.taps;
        let s = 0;
        for (let t = 0; t < n; t++) s += xs.weights[off + t] * data[x0 + t];
        rowAcc[ox] += wy * s;
      }
    }
    for (let ox = 0; ox < outW; ox++) out[oy * outW + ox] = rowAcc[ox];
  }
  return { width: outW, height: outH, data: out };
}

/**
 * Bilinear resize of rectangle `r` by `scale` (used only when the digit is smaller than its
 * target, where area averaging would just repeat pixels in blocks). Sample positions are
 * pixel centres; samples outside the rectangle read as 0 (no ink).
 */
export function bilinearResize(src: Plane, r: Rect, scale: number, outW: number, outH: number): Plane {
  const out = new Float32Array(outW * outH);
  const { width: sw, data } = src;
  const rw = r.x1 - r.x0;
  const rh = r.y1 - r.y0;
  for (let oy = 0; oy < outH; oy++) {
    const fy = (oy + 0.5) / scale - 0.5;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const fx = (ox + 0.5) / scale - 0.5;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      let v = 0;
      for (let dy = 0; dy <= 1; dy++) {
        const yy = y0 + dy;
        if (yy < 0 || yy >= rh) continue;
        const wy = dy === 0 ? 1 - ty : ty;
        for (let dx = 0; dx <= 1; dx++) {
          const xx = x0 + dx;
          if (xx < 0 || xx >= rw) continue;
          const wx = dx === 0 ? 1 - tx : tx;
          v += wy * wx * data[(r.y0 + yy) * sw + r.x0 + xx];
        }
      }
      out[oy * outW + ox] = v;
    }
  }
  return { width: outW, height: outH, data: out };
}
