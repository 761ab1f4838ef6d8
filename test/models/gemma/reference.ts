/**
 * A naive float64 Gemma forward in plain loops, written from the transformers source independently of the graph
 * code: the second opinion for shapes the golden does not cover (grouped KV heads, head_dim != hidden / heads,
 * arbitrary positions and masks).
 */

import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { gemmaNames } from '../../../src/models/gemma/names.js';

type W = ReadonlyMap<string, Float32Array>;

function get(w: W, name: string): Float32Array {
  const a = w.get(name);
  if (!a) throw new Error(`missing ${name}`);
  return a;
}

/** y (T, out) = x (T, in) @ W.T, W [out, in]. */
function linear(x: Float64Array, t: number, weight: Float32Array, din: number, dout: number): Float64Array {
  const y = new Float64Array(t * dout);
  for (let i = 0; i < t; i++)
    for (let o = 0; o < dout; o++) {
      let s = 0;
      for (let k = 0; k < din; k++) s += (x[i * din + k] as number) * (weight[o * din + k] as number);
      y[i * dout + o] = s;
    }
  return y;
}

function rms(x: Float64Array, t: number, d: number, w: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(t * d);
  for (let i = 0; i < t; i++) {
    let ms = 0;
    for (let k = 0; k < d; k++) ms += (x[i * d + k] as number) ** 2;
    const r = 1 / Math.sqrt(ms / d + eps);
    for (let k = 0; k < d; k++) y[i * d + k] = (x[i * d + k] as number) * r * (1 + (w[k] as number));
  }
  return y;
}

const gelu = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

/** Rotates heads of x (T, h*hd) in place by positions. */
function rope(x: Float64Array, t: number, h: number, hd: number, pos: readonly number[], theta: number): void {
  const half = hd / 2;
  for (let i = 0; i < t; i++)
    for (let j = 0; j < h; j++)
      for (let k = 0; k < half; k++) {
        const a = (pos[i] as number) / theta ** ((2 * k) / hd);
        const [c, s] = [Math.cos(a), Math.sin(a)];
        const o = i * h * hd + j * hd;
        const [x1, x2] = [x[o + k] as number, x[o + k + half] as number];
        x[o + k] = x1 * c - x2 * s;
        x[o + k + half] = x2 * c + x1 * s;
      }
}

/** Logits (T, V) of one row: ids (T), positions (T), bias (T, T) additive. */
export function referenceLogits(
  c: GemmaConfig,
  w: W,
  ids: readonly number[],
  pos: readonly number[],
  bias: ArrayLike<number>,
  prefix = 'model.',
): Float64Array {
  const n = gemmaNames(c, prefix);
  const [t, d, hd, h, kv] = [ids.length, c.hidden, c.headDim, c.heads, c.kvHeads];
  const embed = get(w, n.embed);
  const scale = Math.fround(Math.sqrt(d));
  let x = new Float64Array(t * d);
  ids.forEach((id, i) => {
    for (let k = 0; k < d; k++) x[i * d + k] = (embed[id * d + k] as number) * scale;
  });
  for (const l of n.layers) {
    const xn = rms(x, t, d, get(w, l.inputNorm), c.rmsNormEps);
    const q = linear(xn, t, get(w, l.q), d, h * hd);
    const k = linear(xn, t, get(w, l.k), d, kv * hd);
    const v = linear(xn, t, get(w, l.v), d, kv * hd);
    rope(q, t, h, hd, pos, c.ropeTheta);
    rope(k, t, kv, hd, pos, c.ropeTheta);
    const ctx = new Float64Array(t * h * hd);
    for (let j = 0; j < h; j++) {
      const g = Math.floor(j / (h / kv)); // repeat_kv: query head j reads KV head j // (H / KV)
      for (let i = 0; i < t; i++) {
        const scores = Array.from({ length: t }, (_, s) => {
          let dot = 0;
          for (let e = 0; e < hd; e++) dot += (q[i * h * hd + j * hd + e] as number) * (k[s * kv * hd + g * hd + e] as number);
          return dot / Math.sqrt(hd) + (bias[i * t + s] as number);
        });
        const max = Math.max(...scores);
        const p = scores.map((s) => Math.exp(s - max));
        const z = p.reduce((a, b) => a + b, 0);
        for (let s = 0; s < t; s++)
          for (let e = 0; e < hd; e++)
            ctx[i * h * hd + j * hd + e] = (ctx[i * h * hd + j * hd + e] as number) + ((p[s] as number) / z) * (v[s * kv * hd + g * hd + e] as number);
      }
    }
    const o = linear(ctx, t, get(w, l.o), h * hd, d);
    x = x.map((a, i) => a + (o[i] as number));
    const xm = rms(x, t, d, get(w, l.postNorm), c.rmsNormEps);
    const gate = linear(xm, t, get(w, l.gate), d, c.intermediate);
    const up = linear(xm, t, get(w, l.up), d, c.intermediate);
    const down = linear(
      gate.map((a, i) => gelu(a) * (up[i] as number)),
      t,
      get(w, l.down),
      c.intermediate,
      d,
    );
    x = x.map((a, i) => a + (down[i] as number));
  }
  const final = rms(x, t, d, get(w, n.norm), c.rmsNormEps);
  const logits = new Float64Array(t * c.vocab);
  for (let i = 0; i < t; i++)
    for (let vv = 0; vv < c.vocab; vv++) {
      let s = 0;
      for (let e = 0; e < d; e++) s += (final[i * d + e] as number) * (embed[vv * d + e] as number);
      logits[i * c.vocab + vv] = s;
    }
  return logits;
}
