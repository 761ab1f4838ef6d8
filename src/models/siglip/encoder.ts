/**
 * SigLIP's pre-LayerNorm encoder layer over 2-D rows (N = B * Np, D), as transformers' SiglipEncoderLayer:
 *   h = x + out_proj(attn(layer_norm1(x)))        attn: softmax((q @ k.T) * hd^-0.5) @ v per head, no mask
 *   y = h + fc2(act(fc1(layer_norm2(h))))
 * Weights come through a Weights lookup and every Linear through `projectRowsBias`, so frozen weights can be graph
 * inputs and LoRA can adapt any projection (q/k/v by PEFT's default). Written here rather than with the shared
 * transformer/encoder.ts because those blocks read weights with `ctx.param` and offer no Linear hook.
 */

import type { Dim, Value } from '../../engine/graph.js';
import { add, layerNorm, matmul, mul, softmax, transpose } from '../../engine/ops/index.js';
import { reshapeTo } from '../transformer/shapes.js';
import type { Weights } from '../transformer/weights.js';
import { headDim, type TransformerConfig } from '../transformer/config.js';
import { activate } from '../transformer/mlp.js';
import { projectRowsBias } from '../transformer/rows.js';

/** torch.nn.LayerNorm by module name over rows (N, D). */
export function siglipLayerNorm(w: Weights, name: string, x: Value, eps: number): Value {
  return layerNorm(x, w(`${name}.weight`), w(`${name}.bias`), eps); // (N, D)
}

/** The token layout of the rows: B images (symbolic or static) of Np tokens each, N = B * Np rows. */
export interface TokenRows {
  b: Dim;
  tokens: number; // Np
}

/** Rows (N, D) -> (B, H, Np, hd). */
function heads(x: Value, s: TokenRows, h: number, hd: number): Value {
  return transpose(reshapeTo(x, [-1, s.tokens, h, hd], [s.b, s.tokens, h, hd]), [0, 2, 1, 3]);
}

export function siglipAttention(w: Weights, prefix: string, x: Value, s: TokenRows, c: TransformerConfig): Value {
  const hd = headDim(c);
  const q = heads(projectRowsBias(w, `${prefix}.q_proj`, x), s, c.heads, hd); // (B, H, Np, hd)
  const k = heads(projectRowsBias(w, `${prefix}.k_proj`, x), s, c.heads, hd); // (B, H, Np, hd)
  const v = heads(projectRowsBias(w, `${prefix}.v_proj`, x), s, c.heads, hd); // (B, H, Np, hd)
  const scores = mul(matmul(q, transpose(k, [0, 1, 3, 2])), hd ** -0.5); // (B, H, Np, Np)
  const ctx = matmul(softmax(scores, -1), v); // (B, H, Np, hd)
  const merged = reshapeTo(transpose(ctx, [0, 2, 1, 3]), [-1, c.hidden], [x.shape[0] as Dim, c.hidden]); // (N, D)
  return projectRowsBias(w, `${prefix}.out_proj`, merged); // (N, D)
}

export function siglipMlp(w: Weights, prefix: string, x: Value, c: TransformerConfig): Value {
  return projectRowsBias(w, `${prefix}.fc2`, activate(projectRowsBias(w, `${prefix}.fc1`, x), c.activation)); // (N, D)
}

export function siglipEncoderLayer(w: Weights, prefix: string, x: Value, s: TokenRows, c: TransformerConfig): Value {
  const h = add(x, siglipAttention(w, `${prefix}.self_attn`, siglipLayerNorm(w, `${prefix}.layer_norm1`, x, c.eps), s, c)); // (N, D)
  return add(h, siglipMlp(w, `${prefix}.mlp`, siglipLayerNorm(w, `${prefix}.layer_norm2`, h, c.eps), c)); // (N, D)
}
