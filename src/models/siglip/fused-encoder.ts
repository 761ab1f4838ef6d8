/**
 * SigLIP's encoder layers and post_layernorm (tower.ts) on ONNX Runtime's fused kernels, for inference graphs built
 * `fused` (WebGPU; docs/decisions/012-fused-ops.md): every residual Add that feeds a LayerNorm - the next layer's
 * layer_norm1, layer_norm2, and post_layernorm after the last layer - is one SkipLayerNormalization over the rows,
 * returning the normed rows and the sum (the hidden state) together. Attention and the MLP are encoder.ts's.
 */

import type { Value } from '../../engine/graph.js';
import { skipLayerNorm } from '../../engine/ops/fused.js';
import type { TransformerConfig } from '../transformer/config.js';
import type { Weights } from '../transformer/weights.js';
import { siglipAttention, siglipLayerNorm, siglipMlp, type TokenRows } from './encoder.js';

export interface FusedSiglipRows {
  /** [embeddings, after layer 1, .., after layer L], rows (N, D). */
  hiddenRows: Value[];
  /** post_layernorm of the last hidden state, rows (N, D). */
  lastRows: Value;
}

/** The layers `<p>encoder.layers.<i>` and `<p>post_layernorm` over rows x (N, D). */
export function fusedSiglipEncoder(w: Weights, p: string, x: Value, s: TokenRows, c: TransformerConfig): FusedSiglipRows {
  const norm = (name: string, h: Value, skip: Value) => skipLayerNorm(h, skip, w(`${name}.weight`), w(`${name}.bias`), c.eps);
  const layer = (i: number): string => `${p}encoder.layers.${i}`;
  const hiddenRows = [x];
  let h = x;
  let normed = c.layers > 0 ? siglipLayerNorm(w, `${layer(0)}.layer_norm1`, x, c.eps) : siglipLayerNorm(w, `${p}post_layernorm`, x, c.eps); // (N, D)
  for (let i = 0; i < c.layers; i++) {
    const post = norm(`${layer(i)}.layer_norm2`, h, siglipAttention(w, `${layer(i)}.self_attn`, normed, s, c)); // (N, D) each
    const next = norm(i < c.layers - 1 ? `${layer(i + 1)}.layer_norm1` : `${p}post_layernorm`, post.sum, siglipMlp(w, `${layer(i)}.mlp`, post.y, c));
    [h, normed] = [next.sum, next.y];
    hiddenRows.push(h);
  }
  return { hiddenRows, lastRows: normed };
}
