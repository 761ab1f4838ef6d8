/**
 * The image-feature graph of generation: pixels (B, C, S, S) -> `image_features` (B, Np, D), the projected and
 * scaled rows that replace the <image> tokens (features.ts). Its parameters are the vision tower and the projector,
 * so an InferenceRunner fed the checkpoint's weight map shares those arrays with the decoder graphs.
 */

import type { Dim } from '../../engine/graph.js';
import type { ModelDef } from '../../engine/model.js';
import { reshapeTo } from '../transformer/shapes.js';
import { weightsOf, type ModelAdapters } from '../transformer/weights.js';
import { siglipParamSpecs } from '../siglip/names.js';
import { denseParams } from '../transformer/params.js';
import type { PatchEmbedMethod } from '../transformer/patch-embed.js';
import type { PaliGemmaConfig } from './config.js';
import { imageFeatureRows } from './features.js';
import { PIXEL_VALUES } from './inputs.js';
import { LEGACY_PREFIXES, type PaliGemmaPrefixes } from './names.js';

/** `adapters` (LoRA on top of the weights, kept float) hook every Linear; their tensors become weights of the graph. */
export function imageFeaturesModel(
  c: PaliGemmaConfig,
  p: PaliGemmaPrefixes = LEGACY_PREFIXES,
  patchMethod?: PatchEmbedMethod,
  adapters?: ModelAdapters,
): ModelDef {
  const params = [...siglipParamSpecs(c.vision, p.vision), ...denseParams(p.projector, c.vision.hidden, c.projectionDim), ...(adapters?.params ?? [])];
  const v = c.vision;
  return {
    name: 'paligemma_image_features',
    params,
    inputs: [{ name: PIXEL_VALUES, dtype: 'float32', shape: ['B', v.channels, v.imageSize, v.imageSize] }],
    forward(ctx) {
      const pixels = ctx.input(PIXEL_VALUES);
      const rows = imageFeatureRows(ctx, weightsOf(ctx, adapters?.hook(ctx)), c, p, pixels, patchMethod); // (B * Np, D)
      return { image_features: reshapeTo(rows, [-1, c.numImageTokens, c.text.hidden], [pixels.shape[0] as Dim, c.numImageTokens, c.text.hidden]) }; // (B, Np, D)
    },
  };
}
