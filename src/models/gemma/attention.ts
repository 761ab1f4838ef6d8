/**
 * Gemma self-attention with grouped/multi-query heads, rotary positions, an additive mask and an optional KV cache:
 *   q = rope(q_proj(x)), k = rope(k_proj(x)), v = v_proj(x)         (B, H, T, hd), (B, KV, T, hd) x2
 *   k, v = concat(past, new) along time                            (B, KV, S, hd), S = P + T
 *   a = softmax(q @ k.T / sqrt(hd) + bias) @ v                     (B, H, T, hd)
 *   out = o_proj(merge heads(a))                                   (N, D)
 * The H query heads share the KV heads in groups of g = H / KV (head h reads KV head h // g, as HF's repeat_kv):
 * queries are regrouped to (B, KV, g*T, hd) so each KV head serves its group in one MatMul, never copied g times.
 * The cache holds keys after RoPE, before any group expansion (HF's layout).
 */

import type { Dim, Value } from '../../engine/graph.js';
import { add, concat, div, matmul, softmax, transpose } from '../../engine/ops/index.js';
import type { GemmaConfig } from './config.js';
import { projectRows } from '../transformer/rows.js';
import type { GemmaLayerNames } from './names.js';
import { applyRope, type RopeTables } from './rope.js';
import { reshapeTo, unflatten, type SeqShape } from '../transformer/shapes.js';
import type { Weights } from '../transformer/weights.js';

/** One layer's cache entry. */
export interface KvPair {
  key: Value; // (B, KV, S, hd)
  value: Value; // (B, KV, S, hd)
}

export interface AttentionInput {
  x: Value; // (N, D): normed hidden rows
  seq: SeqShape;
  /** The tables of rope.ts, or a function that rotates (B, h, T, hd) by the positions (fused graphs: RotaryEmbedding). */
  rope: RopeTables | ((x: Value) => Value);
  bias: Value; // (B, 1, T, S) additive: 0 = attend, a large negative value = masked
  past: KvPair | null; // (B, KV, P, hd) each
}

/** (N, h*hd) rows -> (B, h, T, hd). */
function heads(x: Value, seq: SeqShape, h: number, hd: number): Value {
  return transpose(unflatten(x, seq, [h, hd]), [0, 2, 1, 3]);
}

export function gemmaAttention(w: Weights, n: GemmaLayerNames, c: GemmaConfig, a: AttentionInput): { out: Value; present: KvPair } {
  const [h, kvh, hd] = [c.heads, c.kvHeads, c.headDim];
  const rope = a.rope;
  const rotate = (x: Value): Value => (typeof rope === 'function' ? rope(x) : applyRope(x, rope));
  const q = rotate(heads(projectRows(w, n.q, a.x), a.seq, h, hd)); // (B, H, T, hd)
  let k = rotate(heads(projectRows(w, n.k, a.x), a.seq, kvh, hd)); // (B, KV, T, hd)
  let v = heads(projectRows(w, n.v, a.x), a.seq, kvh, hd); // (B, KV, T, hd)
  if (a.past) {
    k = concat([a.past.key, k], 2); // (B, KV, S, hd)
    v = concat([a.past.value, v], 2); // (B, KV, S, hd)
  }
  const [b, t, s] = [a.seq.b, a.seq.t, a.bias.shape[3] as Dim];
  const g = h / kvh;
  const gt: Dim = typeof t === 'number' ? g * t : `${g}*${t}`;
  const grouped = reshapeTo(q, [0, kvh, -1, hd], [b, kvh, gt, hd]); // (B, KV, g*T, hd)
  const scores = div(matmul(grouped, transpose(k, [0, 1, 3, 2])), Math.sqrt(hd)); // (B, KV, g*T, S)
  const probs = softmax(add(reshapeTo(scores, [0, h, -1, 0], [b, h, t, s]), a.bias), -1); // (B, H, T, S)
  const ctx = matmul(reshapeTo(probs, [0, kvh, -1, 0], [b, kvh, gt, s]), v); // (B, KV, g*T, hd)
  const perHead = transpose(reshapeTo(ctx, [0, h, -1, hd], [b, h, t, hd]), [0, 2, 1, 3]); // (B, T, H, hd)
  const merged = reshapeTo(perHead, [-1, h * hd], [a.seq.n, h * hd]); // (N, H*hd)
  return { out: projectRows(w, n.o, merged), present: { key: k, value: v } }; // (N, D)
}
