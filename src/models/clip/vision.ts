/**
 * CLIP's vision tower (Hugging Face `vision_model.*`) and its projection (`visual_projection.weight`, no bias):
 *   x = concat(class_embedding, patch_embedding(pixels)) + position_embedding     (B, N+1, D)
 *   hidden_states = encoder(pre_layrnorm(x))                                       (B, N+1, D) per layer
 *   last_hidden_state = hidden_states[-1]             (no final norm over all tokens, as in transformers)
 *   pooler_output = post_layernorm(last_hidden_state[:, 0])                        (B, D)
 *   image_embeds = pooler_output @ visual_projection.T                             (B, P)
 * ("pre_layrnorm" is spelt as in the checkpoints.)
 */

import type { Value } from '../../engine/graph.js';
import type { BuildContext, ParamSpec } from '../../engine/model.js';
import { weightsOf } from '../transformer/weights.js';
import { add, concat, expand, reshape, shapeOf, slice, squeeze } from '../../engine/ops/index.js';
import { applyLayerNorm } from '../transformer/dense.js';
import { encoder, encoderParams } from '../transformer/encoder.js';
import { denseParams, INIT_STD, layerNormParams } from '../transformer/params.js';
import { patchEmbed, patchEmbedParams, type PatchEmbedMethod } from '../transformer/patch-embed.js';
import { dense } from '../transformer/dense.js';
import { visionTokens, type ClipVisionConfig } from './config.js';

const VISION_PREFIX = 'vision_model';
const VISUAL_PROJECTION = 'visual_projection';

/** `vision_model.*` parameters in Hugging Face module order. */
export function clipVisionParams(c: ClipVisionConfig): ParamSpec[] {
  const p = VISION_PREFIX;
  return [
    { name: `${p}.embeddings.class_embedding`, shape: [c.hidden], init: { kind: 'normal', std: INIT_STD } },
    ...patchEmbedParams(`${p}.embeddings.patch_embedding`, c, false),
    { name: `${p}.embeddings.position_embedding.weight`, shape: [visionTokens(c), c.hidden], init: { kind: 'normal', std: INIT_STD } },
    ...layerNormParams(`${p}.pre_layrnorm`, c.hidden),
    ...encoderParams(`${p}.encoder`, c),
    ...layerNormParams(`${p}.post_layernorm`, c.hidden),
  ];
}

export function visualProjectionParams(c: ClipVisionConfig): ParamSpec[] {
  return denseParams(VISUAL_PROJECTION, c.hidden, c.projectionDim, false);
}

export interface VisionOutputs {
  /** [pre_layrnorm output, after layer 1, ..., after the last layer], each (B, N+1, D). */
  hiddenStates: Value[];
  lastHiddenState: Value; // (B, N+1, D)
  pooled: Value; // (B, D)
  /** Projected, not normalised (what CLIPVisionModelWithProjection returns). */
  embeds: Value; // (B, P)
}

export function clipVisionTower(ctx: BuildContext, c: ClipVisionConfig, pixels: Value, method: PatchEmbedMethod = 'matmul'): VisionOutputs {
  const w = weightsOf(ctx);
  const p = VISION_PREFIX;
  const patches = patchEmbed(w, `${p}.embeddings.patch_embedding`, pixels, c, false, method); // (B, N, D)
  const cls = reshape(w(`${p}.embeddings.class_embedding`), [1, 1, c.hidden]); // (1, 1, D)
  const clsShape = concat([slice(shapeOf(pixels), 0, 0, 1), ctx.graph.ints([1, c.hidden])], 0); // [B, 1, D]
  const tokens = concat([expand(cls, clsShape, [pixels.shape[0] ?? 'B', 1, c.hidden]), patches], 1); // (B, N+1, D)
  const x = add(tokens, w(`${p}.embeddings.position_embedding.weight`)); // (B, N+1, D)
  const hiddenStates = encoder(w, `${p}.encoder`, applyLayerNorm(w, `${p}.pre_layrnorm`, x, c.eps), c);
  const last = hiddenStates[hiddenStates.length - 1] as Value; // (B, N+1, D)
  const pooled = applyLayerNorm(w, `${p}.post_layernorm`, squeeze(slice(last, 1, 0, 1), [1]), c.eps); // (B, D)
  return { hiddenStates, lastHiddenState: last, pooled, embeds: dense(w, VISUAL_PROJECTION, pooled, false) };
}
