/**
 * Multi-head self-attention as in Hugging Face CLIP/SigLIP (`<prefix>.{q,k,v,out}_proj`, all with bias):
 *   q = q_proj(x) * hd^-0.5, k = k_proj(x), v = v_proj(x)          (B, T, D) each, split into H heads of hd
 *   a = softmax(q @ k.T + mask) @ v                                  (B, H, T, hd)
 *   out_proj(merge heads(a))                                         (B, T, D)
 * `mask` is optional and additive, broadcastable to (B, H, T, T): 0 where attention is allowed, a large negative
 * number where it is not (a causal mask, padded keys).
 */

import type { DType } from '../../engine/dtype.js';
import type { Value } from '../../engine/graph.js';
import type { ParamSpec } from '../../engine/model.js';
import type { Weights } from './weights.js';
import { add, matmul, mul, reshape, softmax, transpose } from '../../engine/ops/index.js';
import { headDim, type TransformerConfig } from './config.js';
import { dense } from './dense.js';
import { denseParams } from './params.js';

/** The additive value of a masked position: exp() of it minus any real score is exactly 0 in float32. */
export const MASKED = -1e30;

/**
 * MASKED in a graph's compute dtype. float16 ends at 65504, so -1e30 would be -inf there (and a fully masked row NaN):
 * -3e4 instead, whose exp() is still exactly 0, and of which two (a causal and a padding mask added together) stay
 * finite.
 */
export function maskedValue(dtype: DType): number {
  return dtype === 'float16' ? MASKED_F16 : MASKED;
}

export const MASKED_F16 = -3e4;

export function attentionParams(prefix: string, hidden: number): ParamSpec[] {
  return ['k_proj', 'v_proj', 'q_proj', 'out_proj'].flatMap((p) => denseParams(`${prefix}.${p}`, hidden, hidden));
}

export function selfAttention(w: Weights, prefix: string, x: Value, c: TransformerConfig, mask: Value | null = null): Value {
  const hd = headDim(c);
  const heads = (t: Value): Value => reshape(t, [0, 0, c.heads, hd]); // (B, T, H, hd)
  const q = transpose(heads(mul(dense(w, `${prefix}.q_proj`, x), hd ** -0.5)), [0, 2, 1, 3]); // (B, H, T, hd)
  const kT = transpose(heads(dense(w, `${prefix}.k_proj`, x)), [0, 2, 3, 1]); // (B, H, hd, T)
  const v = transpose(heads(dense(w, `${prefix}.v_proj`, x)), [0, 2, 1, 3]); // (B, H, T, hd)
  let scores = matmul(q, kT); // (B, H, T, T)
  if (mask) scores = add(scores, mask);
  const a = matmul(softmax(scores, -1), v); // (B, H, T, hd)
  const merged = reshape(transpose(a, [0, 2, 1, 3]), [0, 0, c.hidden]); // (B, T, D)
  return dense(w, `${prefix}.out_proj`, merged); // (B, T, D)
}
