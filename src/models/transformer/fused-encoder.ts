/**
 * The pre-LayerNorm encoder stack of encoder.ts (CLIP's towers) on ONNX Runtime's fused kernels, for inference
 * graphs built `fused` (WebGPU; docs/decisions/012-fused-ops.md): each residual Add that feeds a LayerNorm becomes one
 * SkipLayerNormalization, which returns both the normed rows and the sum that goes on:
 *   normed = layer_norm1(x)                                             layer 0 only
 *   per layer: y, h = SkipLayerNormalization(h, self_attn(normed))      y = layer_norm2(h + attn)
 *              normed, h = SkipLayerNormalization(h, mlp(y))            the next layer's layer_norm1; a plain Add after the last
 * Attention and the MLP are encoder.ts's blocks (ONNX Runtime already fuses quick_gelu into one QuickGelu node).
 */

import type { Value } from '../../engine/graph.js';
import { add } from '../../engine/ops/index.js';
import { skipLayerNorm } from '../../engine/ops/fused.js';
import { selfAttention } from './attention.js';
import type { TransformerConfig } from './config.js';
import { applyLayerNorm } from './dense.js';
import { mlp } from './mlp.js';
import type { Weights } from './weights.js';

/** Like encoder(): [input, after layer 0, ..., after the last layer]. */
export function fusedEncoder(w: Weights, prefix: string, x: Value, c: TransformerConfig, mask: Value | null): Value[] {
  const states = [x];
  const norm = (name: string, h: Value, skip: Value) => skipLayerNorm(h, skip, w(`${name}.weight`), w(`${name}.bias`), c.eps);
  let h = x;
  let normed = c.layers > 0 ? applyLayerNorm(w, `${prefix}.layers.0.layer_norm1`, x, c.eps) : x; // (B, T, D)
  for (let i = 0; i < c.layers; i++) {
    const p = `${prefix}.layers.${i}`;
    const post = norm(`${p}.layer_norm2`, h, selfAttention(w, `${p}.self_attn`, normed, c, mask)); // (B, T, D) each
    const m = mlp(w, `${p}.mlp`, post.y, c); // (B, T, D)
    if (i < c.layers - 1) {
      const next = norm(`${prefix}.layers.${i + 1}.layer_norm1`, post.sum, m);
      [h, normed] = [next.sum, next.y];
    } else h = add(post.sum, m);
    states.push(h);
  }
  return states;
}
