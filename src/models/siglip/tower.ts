/**
 * The SigLIP vision tower as transformers' SiglipVisionTransformer:
 *   x = patch_embedding(pixels) + position_embedding           (B, Np, D)   no class token, learned positions
 *   hidden_states = layers over x (pre-LN)                      (B, Np, D) per layer
 *   last_hidden_state = post_layernorm(hidden_states[-1])       (B, Np, D)
 *   pooled = head(last_hidden_state)                            (B, D)      only when the config has the head
 * The encoder runs on rows (N = B * Np, D) so every projection is one Gemm; Np is static, B symbolic. Fused inference
 * graphs run the layers of fused-encoder.ts (SkipLayerNormalization, decision 012).
 */

import type { Dim, Value } from '../../engine/graph.js';
import type { BuildContext } from '../../engine/model.js';
import { add } from '../../engine/ops/index.js';
import { reshapeTo } from '../transformer/shapes.js';
import type { Weights } from '../transformer/weights.js';
import { patchEmbed, type PatchEmbedMethod } from '../transformer/patch-embed.js';
import { siglipTokens, type SiglipVisionConfig } from './config.js';
import { siglipEncoderLayer, siglipLayerNorm } from './encoder.js';
import { fusedSiglipEncoder } from './fused-encoder.js';
import { siglipPoolingHead } from './head.js';
import { DEFAULT_SIGLIP_PREFIX } from './names.js';

export interface SiglipOutputs {
  /** HF's hidden_states: [embeddings, after layer 1, .., after layer L] (before post_layernorm), each rows (N, D). */
  hiddenRows: Value[];
  /** post_layernorm output as rows (N, D). */
  lastRows: Value;
  lastHiddenState: Value; // (B, Np, D)
  /** Pooling-head output (B, D), when the config has the head. */
  pooled: Value | null;
}

export interface SiglipTowerOptions {
  prefix?: string; // 'vision_model.'
  patchMethod?: PatchEmbedMethod; // 'matmul'
}

export function siglipVisionTower(ctx: BuildContext, w: Weights, c: SiglipVisionConfig, pixels: Value, o: SiglipTowerOptions = {}): SiglipOutputs {
  const p = o.prefix ?? DEFAULT_SIGLIP_PREFIX;
  const tokens = siglipTokens(c);
  const b = pixels.shape[0] as Dim;
  const n: Dim = typeof b === 'number' ? b * tokens : `${b}*${tokens}`;
  const rows = { b, tokens };
  const patches = patchEmbed(w, `${p}embeddings.patch_embedding`, pixels, c, true, o.patchMethod ?? 'matmul'); // (B, Np, D)
  const embedded = add(patches, w(`${p}embeddings.position_embedding.weight`)); // (B, Np, D)
  let hiddenRows = [reshapeTo(embedded, [-1, c.hidden], [n, c.hidden])]; // (N, D)
  let lastRows: Value;
  if (w.fused)
    ({ hiddenRows, lastRows } = fusedSiglipEncoder(w, p, hiddenRows[0] as Value, rows, c)); // decision 012
  else {
    for (let i = 0; i < c.layers; i++) hiddenRows.push(siglipEncoderLayer(w, `${p}encoder.layers.${i}`, hiddenRows[i] as Value, rows, c));
    lastRows = siglipLayerNorm(w, `${p}post_layernorm`, hiddenRows[c.layers] as Value, c.eps); // (N, D)
  }
  const lastHiddenState = reshapeTo(lastRows, [-1, tokens, c.hidden], [b, tokens, c.hidden]); // (B, Np, D)
  const pooled = c.useHead ? siglipPoolingHead(w, `${p}head.`, lastHiddenState, c) : null;
  return { hiddenRows, lastRows, lastHiddenState, pooled };
}
