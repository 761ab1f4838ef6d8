/**
 * A minimal software rasteriser for the synthetic photos: an RGB float canvas with anti-aliased circles,
 * squares, triangles and rectangles (via signed inside-distance), blocks for bitmap text, gradients,
 * lighting and sensor noise. `toBuffer` gives the raw 8-bit RGB that sharp encodes.
 */

import type { Rng } from '../../random/rng.js';

/** An RGB colour, 0-255 per channel. */
export type RGB = readonly [number, number, number];

/** A filled outline; `r` is the circumradius (circle, triangle) or half the side (square). */
export type Outline =
  | { kind: 'circle'; cx: number; cy: number; r: number }
  | { kind: 'square'; cx: number; cy: number; r: number }
  | { kind: 'triangle'; cx: number; cy: number; r: number }
  | { kind: 'rect'; cx: number; cy: number; hw: number; hh: number };

/** Options for `fillOutline`. */
export interface FillStyle {
  /** Strength of the top-left-to-bottom-right lighting ramp across the shape (0 = flat). */
  shade?: number;
  /** Edge softness in pixels (1 = plain anti-aliasing; larger = a soft shadow-like edge). */
  softness?: number;
  /** Overall opacity. */
  alpha?: number;
}

const SQRT3 = Math.sqrt(3);

/** Signed distance from (x, y) to the outline's edge, positive inside. */
export function insideDistance(o: Outline, x: number, y: number): number {
  const dx = x - o.cx;
  const dy = y - o.cy;
  switch (o.kind) {
    case 'circle':
      return o.r - Math.hypot(dx, dy);
    case 'square':
      return o.r - Math.max(Math.abs(dx), Math.abs(dy));
    case 'rect':
      return Math.min(o.hw - Math.abs(dx), o.hh - Math.abs(dy));
    case 'triangle': {
      // Equilateral, pointing up; the inscribed radius is r / 2. Distances to the three edge lines.
      const inr = o.r / 2;
      const bottom = inr - dy;
      const right = inr - (SQRT3 * dx - dy) / 2;
      const left = inr - (-SQRT3 * dx - dy) / 2;
      return Math.min(bottom, right, left);
    }
  }
}

/** Half-extents of the outline's bounding box around its centre. */
function halfExtents(o: Outline): [number, number] {
  return o.kind === 'rect' ? [o.hw, o.hh] : [o.r, o.r];
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** Interleaved RGB, 0-255 floats. */
  readonly data: Float32Array;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.data = new Float32Array(width * height * 3);
  }

  /** Blends `colour` into pixel (x, y) with opacity `alpha`; ignores pixels outside the canvas. */
  blend(x: number, y: number, colour: RGB, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const a = Math.min(1, alpha);
    const i = (y * this.width + x) * 3;
    const d = this.data;
    d[i] = (d[i] ?? 0) * (1 - a) + colour[0] * a;
    d[i + 1] = (d[i + 1] ?? 0) * (1 - a) + colour[1] * a;
    d[i + 2] = (d[i + 2] ?? 0) * (1 - a) + colour[2] * a;
  }

  /** Fills an axis-aligned block of whole pixels (clipped to the canvas). */
  fillBlock(x: number, y: number, w: number, h: number, colour: RGB): void {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + w);
    const y1 = Math.min(this.height, y + h);
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) this.blend(px, py, colour, 1);
    }
  }

  /** Vertical gradient from `top` to `bottom` with a gentle low-frequency wobble (uneven light). */
  fillGradient(top: RGB, bottom: RGB, wobble: number, phase: number): void {
    const { width, height, data } = this;
    for (let y = 0; y < height; y++) {
      const t = y / Math.max(1, height - 1);
      for (let x = 0; x < width; x++) {
        const w = wobble * Math.sin((x / width) * 5.1 + phase) * Math.cos((y / height) * 3.7 - phase);
        const i = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) data[i + c] = (top[c] ?? 0) * (1 - t) + (bottom[c] ?? 0) * t + w;
      }
    }
  }

  /** Fills an outline with anti-aliased edges and optional shading. */
  fillOutline(o: Outline, colour: RGB, style: FillStyle = {}): void {
    const shade = style.shade ?? 0;
    const softness = style.softness ?? 1;
    const opacity = style.alpha ?? 1;
    const [hx, hy] = halfExtents(o);
    const pad = softness + 1;
    const x0 = Math.max(0, Math.floor(o.cx - hx - pad));
    const x1 = Math.min(this.width - 1, Math.ceil(o.cx + hx + pad));
    const y0 = Math.max(0, Math.floor(o.cy - hy - pad));
    const y1 = Math.min(this.height - 1, Math.ceil(o.cy + hy + pad));
    const span = Math.max(1, hx + hy);
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const x = px + 0.5;
        const y = py + 0.5;
        const coverage = Math.max(0, Math.min(1, insideDistance(o, x, y) / softness + 0.5));
        if (coverage <= 0) continue;
        const light = 1 + (shade * (-(x - o.cx) - (y - o.cy))) / span;
        const c: RGB = [colour[0] * light, colour[1] * light, colour[2] * light];
        this.blend(px, py, c, coverage * opacity);
      }
    }
  }

  /** Multiplies every channel by `factor` (lighting / exposure). */
  scale(factor: number): void {
    const d = this.data;
    for (let i = 0; i < d.length; i++) d[i] = (d[i] ?? 0) * factor;
  }

  /** Adds Gaussian sensor noise with standard deviation `sigma` (one draw per pixel, shared by channels,
   * plus a smaller per-channel part). */
  addNoise(rng: Rng, sigma: number): void {
    const d = this.data;
    for (let p = 0; p < d.length; p += 3) {
      const luma = rng.normal() * sigma;
      for (let c = 0; c < 3; c++) d[p + c] = (d[p + c] ?? 0) + luma + rng.normal() * sigma * 0.35;
    }
  }

  /** Raw 8-bit interleaved RGB (rounded, clamped). */
  toBuffer(): Buffer {
    const out = Buffer.alloc(this.data.length);
    for (let i = 0; i < this.data.length; i++) {
      const v = Math.round(this.data[i] ?? 0);
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return out;
  }
}
