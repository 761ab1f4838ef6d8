/**
 * The image-quality head: multi-label flags (blur, too dark, too bright, framing, obstruction, rotation, no
 * recognisable content) from frozen image features alone - the question does not change what is wrong with a photo.
 *   x = quality_in_norm(image)                       (B, Di)
 *   h = relu(quality_fc1(dropout(x)))                (B, H)
 *   quality_logits = quality_fc2(dropout(h))         (B, F)
 * Loss: binary cross-entropy with logits, the mean over rows and flags (every flag weighs the same).
 */

import type { Value } from '../../engine/graph.js';
import type { LossDef, ModelDef, ParamSpec } from '../../engine/model.js';
import { bceWithLogits, relu } from '../../engine/ops/index.js';
import { applyLayerNorm, applyLinear, layerNormParams, linearParams } from './layers.js';

export interface QualityHeadConfig {
  imageDim: number; // 768 for CLIP ViT-L/14, 2048 for ResNet-50
  hidden: number; // 256
  flags: number; // 7
  dropout: number; // 0.2; training graphs only
}

const QUALITY_HEAD_DEFAULTS: QualityHeadConfig = { imageDim: 768, hidden: 256, flags: 7, dropout: 0.2 };

export const QUALITY_TARGET_INPUT = 'quality_target';

function qualityHeadParams(c: QualityHeadConfig): ParamSpec[] {
  return [
    ...layerNormParams('quality_in_norm', c.imageDim),
    ...linearParams('quality_fc1', c.imageDim, c.hidden),
    ...linearParams('quality_fc2', c.hidden, c.flags),
  ];
}

export function qualityHead(config: Partial<QualityHeadConfig> = {}): ModelDef {
  const c = { ...QUALITY_HEAD_DEFAULTS, ...config };
  return {
    name: 'quality',
    params: qualityHeadParams(c),
    inputs: [{ name: 'image_feat', dtype: 'float32', shape: ['B', c.imageDim] }],
    forward(ctx) {
      const x = applyLayerNorm(ctx, 'quality_in_norm', ctx.input('image_feat')); // (B, Di)
      const h = relu(applyLinear(ctx, 'quality_fc1', ctx.dropout(x, c.dropout))); // (B, H)
      return { quality_logits: applyLinear(ctx, 'quality_fc2', ctx.dropout(h, c.dropout)) }; // (B, F)
    },
  };
}

export function qualityLoss(config: Partial<QualityHeadConfig> = {}): LossDef {
  const flags = config.flags ?? QUALITY_HEAD_DEFAULTS.flags;
  return {
    inputs: [{ name: QUALITY_TARGET_INPUT, dtype: 'float32', shape: ['B', flags] }],
    totalName: 'loss_total',
    build(ctx, out) {
      const total = bceWithLogits(out.quality_logits as Value, ctx.input(QUALITY_TARGET_INPUT)); // ()
      return { total, terms: {} };
    },
  };
}
