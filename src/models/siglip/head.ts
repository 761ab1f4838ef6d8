/**
 * SigLIP's attention-pooling head (SiglipMultiheadAttentionPoolingHead, `<p>head.*`), used by standalone SigLIP
 * models (PaliGemma has none): a learned probe attends over the tokens with torch.nn.MultiheadAttention (in_proj
 * = q;k;v stacked [3D, D], queries scaled by hd^-0.5), then out_proj, and a residual MLP block:
 *   p = mha(probe, h, h)             (B, 1, D)
 *   pooled = p + mlp(layernorm(p))   (B, D)
 */

import type { Dim, Value } from '../../engine/graph.js';
import { reshapeTo } from '../transformer/shapes.js';
import { add, linear, matmul, mul, reshape, slice, softmax, transpose } from '../../engine/ops/index.js';
import type { Weights } from '../transformer/weights.js';
import { headDim } from '../transformer/config.js';
import type { SiglipVisionConfig } from './config.js';
import { siglipLayerNorm, siglipMlp } from './encoder.js';

export function siglipPoolingHead(w: Weights, prefix: string, last: Value, c: SiglipVisionConfig): Value {
  const [d, h, hd] = [c.hidden, c.heads, headDim(c)];
  const [b, np] = [last.shape[0] as Dim, last.shape[1] as Dim];
  const inW = w(`${prefix}attention.in_proj_weight`); // (3D, D)
  const inB = w(`${prefix}attention.in_proj_bias`); // (3D)
  const part = (i: number, x: Value): Value => linear(x, slice(inW, 0, i * d, (i + 1) * d), slice(inB, 0, i * d, (i + 1) * d));
  const q = transpose(reshape(mul(part(0, w(`${prefix}probe`)), hd ** -0.5), [1, 1, h, hd]), [0, 2, 1, 3]); // (1, H, 1, hd)
  const k = transpose(reshapeTo(part(1, last), [0, 0, h, hd], [b, np, h, hd]), [0, 2, 3, 1]); // (B, H, hd, Np)
  const v = transpose(reshapeTo(part(2, last), [0, 0, h, hd], [b, np, h, hd]), [0, 2, 1, 3]); // (B, H, Np, hd)
  const ctx = matmul(softmax(matmul(q, k), -1), v); // (B, H, 1, hd)
  const merged = reshapeTo(transpose(ctx, [0, 2, 1, 3]), [0, 1, d], [b, 1, d]); // (B, 1, D)
  const p = linear(merged, w(`${prefix}attention.out_proj.weight`), w(`${prefix}attention.out_proj.bias`)); // (B, 1, D)
  const rows = reshapeTo(p, [-1, d], [b, d]); // (B, D)
  return add(rows, siglipMlp(w, `${prefix}mlp`, siglipLayerNorm(w, `${prefix}layernorm`, rows, c.eps), c)); // (B, D)
}
