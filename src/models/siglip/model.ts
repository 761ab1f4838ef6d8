/**
 * SiglipVisionModel as a ModelDef (golden checks, feature extraction): input `pixel_values` (B, C, S, S), the
 * weights as parameters (or, outside `trainable`, as float32 inputs of their own names); outputs `last_hidden_state` (B, Np, D), `hidden_states.0..L`
 * (B, Np, D) and, with the head, `pooler_output` (B, D).
 */

import type { Dim, Value } from '../../engine/graph.js';
import type { ModelDef } from '../../engine/model.js';
import { reshapeTo } from '../transformer/shapes.js';
import { weightsOf, splitWeights, type TrainableSelection } from '../transformer/weights.js';
import type { PatchEmbedMethod } from '../transformer/patch-embed.js';
import { siglipTokens, type SiglipVisionConfig } from './config.js';
import { DEFAULT_SIGLIP_PREFIX, siglipParamSpecs } from './names.js';
import { siglipVisionTower } from './tower.js';

export const PIXEL_VALUES = 'pixel_values';

export interface SiglipModelOptions {
  prefix?: string; // 'vision_model.'
  /** Parameters that train (default all, as inference graphs want: InferenceRunner feeds parameters); the others become constant graph inputs. */
  trainable?: TrainableSelection;
  patchMethod?: PatchEmbedMethod;
}

export function siglipVisionModel(c: SiglipVisionConfig, o: SiglipModelOptions = {}): ModelDef {
  const prefix = o.prefix ?? DEFAULT_SIGLIP_PREFIX;
  const { params, frozen } = splitWeights(siglipParamSpecs(c, prefix), o.trainable ?? 'all');
  const tokens = siglipTokens(c);
  return {
    name: 'siglip_vision',
    params,
    frozen,
    inputs: [{ name: PIXEL_VALUES, dtype: 'float32', shape: ['B', c.channels, c.imageSize, c.imageSize] }],
    forward(ctx) {
      const w = weightsOf(ctx);
      const out = siglipVisionTower(ctx, w, c, ctx.input(PIXEL_VALUES), { prefix, patchMethod: o.patchMethod });
      const result: Record<string, Value> = { last_hidden_state: out.lastHiddenState };
      out.hiddenRows.forEach(
        (h, i) => (result[`hidden_states.${i}`] = reshapeTo(h, [-1, tokens, c.hidden], [out.lastHiddenState.shape[0] as Dim, tokens, c.hidden])),
      ); // (B, Np, D)
      if (out.pooled) result.pooler_output = out.pooled;
      return result;
    },
  };
}
