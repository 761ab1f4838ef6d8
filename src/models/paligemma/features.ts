/**
 * PaliGemma's image features: the SigLIP tower's last hidden state, projected by the multimodal projector
 * (Linear with bias, vision hidden -> text hidden) and divided by sqrt(hidden_size) - transformers' quirk that undoes
 * the sqrt(hidden) scaling Gemma applies to every input embedding, so image rows enter the decoder unscaled.
 *   pixels (B, C, S, S) -> rows (B * Np, Dt)
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext } from '../../engine/model.js';
import { div } from '../../engine/ops/index.js';
import type { Weights } from '../transformer/weights.js';
import { projectRowsBias } from '../transformer/rows.js';
import { siglipVisionTower } from '../siglip/tower.js';
import type { PatchEmbedMethod } from '../transformer/patch-embed.js';
import type { PaliGemmaConfig } from './config.js';
import type { PaliGemmaPrefixes } from './names.js';

export function imageFeatureRows(
  ctx: BuildContext,
  w: Weights,
  c: PaliGemmaConfig,
  p: PaliGemmaPrefixes,
  pixels: Value,
  patchMethod?: PatchEmbedMethod,
): Value {
  const vision = siglipVisionTower(ctx, w, c.vision, pixels, { prefix: p.vision, patchMethod }); // rows (B * Np, Dv)
  const projected = projectRowsBias(w, p.projector, vision.lastRows); // (B * Np, Dt)
  return div(projected, Math.sqrt(c.hiddenSize)); // (B * Np, Dt)
}
