/**
 * CLIP ModelDefs with Hugging Face parameter and output names:
 * - clipVisionModel: CLIPVisionModelWithProjection (`image_embeds` unnormalised, `last_hidden_state`, ...);
 * - clipTextModel: CLIPTextModelWithProjection (`text_embeds` unnormalised, ...);
 * - clipModel: CLIPModel (`image_embeds`/`text_embeds` L2-normalised, `*_unnormalized`, logits, per-tower outputs
 *   under `vision_model.` / `text_model.`).
 * Every model also returns `hidden_states.<i>` (HF's tuple, index 0 = the encoder input) and L2-normalised embeds;
 * buildInference keeps only the outputs asked for.
 */

import type { Value } from '../../engine/graph.js';
import type { InputSpec, ModelDef, ParamSpec } from '../../engine/model.js';
import { div, exp, gemm, mul, reduceSum, sqrt, transpose } from '../../engine/ops/index.js';
import type { PatchEmbedMethod } from '../transformer/patch-embed.js';
import type { ClipConfig, ClipTextConfig, ClipVisionConfig } from './config.js';
import { clipTextParams, clipTextTower, textProjectionParams, type TextOutputs } from './text.js';
import { clipVisionParams, clipVisionTower, visualProjectionParams, type VisionOutputs } from './vision.js';

export interface ClipModelOptions {
  /** How the patch embedding is computed (same result): 'matmul' (default) or 'conv'. */
  patchEmbed?: PatchEmbedMethod;
}

/** x / ||x||_2 along the last axis, as `x / x.norm(p=2, dim=-1, keepdim=True)`. */
function l2Normalize(x: Value): Value {
  return div(x, sqrt(reduceSum(mul(x, x), [-1], true))); // (B, P)
}

function towerOutputs(prefix: string, t: VisionOutputs | TextOutputs): Record<string, Value> {
  const out: Record<string, Value> = {
    [`${prefix}last_hidden_state`]: t.lastHiddenState,
    [`${prefix}pooler_output`]: t.pooled,
  };
  t.hiddenStates.forEach((h, i) => (out[`${prefix}hidden_states.${i}`] = h));
  return out;
}

export function clipVisionModel(c: ClipVisionConfig, o: ClipModelOptions = {}): ModelDef {
  return {
    name: 'clip-vision',
    params: [...clipVisionParams(c), ...visualProjectionParams(c)],
    inputs: [{ name: 'pixel_values', dtype: 'float32', shape: ['B', c.channels, c.imageSize, c.imageSize] }],
    forward(ctx) {
      const t = clipVisionTower(ctx, c, ctx.input('pixel_values'), o.patchEmbed);
      return { ...towerOutputs('', t), image_embeds: t.embeds, image_embeds_normalized: l2Normalize(t.embeds) };
    },
  };
}

export function clipTextModel(c: ClipTextConfig): ModelDef {
  return {
    name: 'clip-text',
    params: [...clipTextParams(c), ...textProjectionParams(c)],
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: ['B', 'T'] },
      { name: 'attention_mask', dtype: 'int64', shape: ['B', 'T'] },
    ],
    forward(ctx) {
      const t = clipTextTower(ctx, c, ctx.input('input_ids'), ctx.input('attention_mask'));
      return { ...towerOutputs('', t), text_embeds: t.embeds, text_embeds_normalized: l2Normalize(t.embeds) };
    },
  };
}

const LOGIT_SCALE = 'logit_scale';

function towers(c: ClipConfig): { vision: ClipVisionConfig; text: ClipTextConfig } {
  if (!c.vision || !c.text) throw new Error(`a ${c.architecture} config has no ${c.vision ? 'text' : 'vision'} tower`);
  return { vision: c.vision, text: c.text };
}

/** Input specs with their batch dim 'B' renamed. */
function withBatchDim(inputs: readonly InputSpec[], name: string): InputSpec[] {
  return inputs.map((i) => ({ ...i, shape: i.shape.map((d) => (d === 'B' ? name : d)) }));
}

/** CLIPModel's parameters in Hugging Face module order. */
export function clipModelParams(c: ClipConfig): ParamSpec[] {
  const { vision, text } = towers(c);
  return [
    { name: LOGIT_SCALE, shape: [], init: { kind: 'constant', value: c.logitScaleInit } },
    ...clipTextParams(text),
    ...clipVisionParams(vision),
    ...visualProjectionParams(vision),
    ...textProjectionParams(text),
  ];
}

function clipModel(c: ClipConfig, o: ClipModelOptions = {}): ModelDef {
  const { vision, text } = towers(c);
  return {
    name: 'clip',
    params: clipModelParams(c),
    // The towers batch independently: Bt texts and Bi images; only the logits combine them, (Bt, Bi).
    inputs: [...withBatchDim(clipTextModel(text).inputs, 'Bt'), ...withBatchDim(clipVisionModel(vision).inputs, 'Bi')],
    forward(ctx) {
      const v = clipVisionTower(ctx, vision, ctx.input('pixel_values'), o.patchEmbed);
      const t = clipTextTower(ctx, text, ctx.input('input_ids'), ctx.input('attention_mask'));
      const imageEmbeds = l2Normalize(v.embeds); // (Bi, P)
      const textEmbeds = l2Normalize(t.embeds); // (Bt, P)
      const logitsPerText = mul(gemm(textEmbeds, imageEmbeds, null, { transB: true }), exp(ctx.weight(LOGIT_SCALE))); // (Bt, Bi)
      return {
        ...towerOutputs('vision_model.', v),
        ...towerOutputs('text_model.', t),
        image_embeds: imageEmbeds,
        text_embeds: textEmbeds,
        image_embeds_unnormalized: v.embeds,
        text_embeds_unnormalized: t.embeds,
        logits_per_text: logitsPerText,
        logits_per_image: transpose(logitsPerText, [1, 0]), // (Bi, Bt)
      };
    },
  };
}

/** The ModelDef of the class a config describes (config.json's kind). */
export function clipModelFor(c: ClipConfig, o: ClipModelOptions = {}): ModelDef {
  switch (c.architecture) {
    case 'CLIPModel':
      return clipModel(c, o);
    case 'CLIPVisionModelWithProjection':
      if (!c.vision) throw new Error('a CLIPVisionModelWithProjection config needs a vision tower');
      return clipVisionModel(c.vision, o);
    case 'CLIPTextModelWithProjection':
      if (!c.text) throw new Error('a CLIPTextModelWithProjection config needs a text tower');
      return clipTextModel(c.text);
  }
}
