/**
 * CLIP's typed configuration, read from a Hugging Face config.json: a whole CLIPModel (`text_config` + `vision_config`,
 * top-level `projection_dim`), or a single tower (CLIPVisionModelWithProjection / CLIPTextModelWithProjection, whose
 * own `projection_dim` sizes the projection). Missing fields take transformers' defaults (4.44), so the tiny golden
 * config and openai/clip-vit-large-patch14-336 go through the same code.
 */

import { VizWizError } from '../../errors.js';
import { configNumber, configString, type Json } from '../hf-config.js';
import { activationFromHf, type TransformerConfig } from '../transformer/config.js';

export interface ClipVisionConfig extends TransformerConfig {
  imageSize: number; // 336
  patchSize: number; // 14
  channels: number; // 3
  projectionDim: number; // 768: visual_projection [P, D], no bias
}

export interface ClipTextConfig extends TransformerConfig {
  vocabSize: number; // 49408
  maxPositions: number; // 77: the longest token sequence (bos and eos included)
  projectionDim: number; // 768: text_projection [P, D], no bias
  bosTokenId: number; // 49406
  /** Pooling token. 2 means the legacy rule of old checkpoints: pool at argmax(input_ids) (eos is the largest id). */
  eosTokenId: number; // 49407 (2 in openai/* configs)
  padTokenId: number; // 1
}

export interface ClipConfig {
  /** Which Hugging Face class the config describes: the whole model, or one tower with its projection. */
  architecture: 'CLIPModel' | 'CLIPVisionModelWithProjection' | 'CLIPTextModelWithProjection';
  vision: ClipVisionConfig | undefined;
  text: ClipTextConfig | undefined;
  projectionDim: number;
  logitScaleInit: number; // 2.6592 = ln(1 / 0.07)
}

const num = configNumber;
const str = (o: Json, key: string, dflt: string): string => configString(o, key, dflt, 'config');

function parseVisionConfig(o: Json, projectionDim?: number, where = 'vision_config'): ClipVisionConfig {
  return {
    hidden: num(o, 'hidden_size', 768, where),
    layers: num(o, 'num_hidden_layers', 12, where),
    heads: num(o, 'num_attention_heads', 12, where),
    intermediate: num(o, 'intermediate_size', 3072, where),
    eps: num(o, 'layer_norm_eps', 1e-5, where),
    activation: activationFromHf(str(o, 'hidden_act', 'quick_gelu')),
    imageSize: num(o, 'image_size', 224, where),
    patchSize: num(o, 'patch_size', 32, where),
    channels: num(o, 'num_channels', 3, where),
    projectionDim: projectionDim ?? num(o, 'projection_dim', 512, where),
  };
}

function parseTextConfig(o: Json, projectionDim?: number, where = 'text_config'): ClipTextConfig {
  return {
    hidden: num(o, 'hidden_size', 512, where),
    layers: num(o, 'num_hidden_layers', 12, where),
    heads: num(o, 'num_attention_heads', 8, where),
    intermediate: num(o, 'intermediate_size', 2048, where),
    eps: num(o, 'layer_norm_eps', 1e-5, where),
    activation: activationFromHf(str(o, 'hidden_act', 'quick_gelu')),
    vocabSize: num(o, 'vocab_size', 49408, where),
    maxPositions: num(o, 'max_position_embeddings', 77, where),
    projectionDim: projectionDim ?? num(o, 'projection_dim', 512, where),
    bosTokenId: num(o, 'bos_token_id', 49406, where),
    eosTokenId: num(o, 'eos_token_id', 49407, where),
    padTokenId: num(o, 'pad_token_id', 1, where),
  };
}

/** Parses a config.json object (see the module comment for the accepted kinds). */
export function parseClipConfig(json: unknown): ClipConfig {
  if (typeof json !== 'object' || json === null) throw new VizWizError('INVALID_CHECKPOINT', 'CLIP config: expected a JSON object');
  const o = json as Json;
  const type = str(o, 'model_type', 'clip');
  const logitScaleInit = num(o, 'logit_scale_init_value', 2.6592, 'config');
  if (type === 'clip_vision_model') {
    const vision = parseVisionConfig(o, undefined, 'config');
    return { architecture: 'CLIPVisionModelWithProjection', vision, text: undefined, projectionDim: vision.projectionDim, logitScaleInit };
  }
  if (type === 'clip_text_model') {
    const text = parseTextConfig(o, undefined, 'config');
    return { architecture: 'CLIPTextModelWithProjection', vision: undefined, text, projectionDim: text.projectionDim, logitScaleInit };
  }
  if (type !== 'clip')
    throw new VizWizError('INVALID_CHECKPOINT', `config: model_type '${type}' is not a CLIP model (clip, clip_vision_model, clip_text_model)`);
  const projectionDim = num(o, 'projection_dim', 512, 'config');
  return {
    architecture: 'CLIPModel',
    vision: parseVisionConfig((o.vision_config ?? {}) as Json, projectionDim),
    text: parseTextConfig((o.text_config ?? {}) as Json, projectionDim),
    projectionDim,
    logitScaleInit,
  };
}

/** Tokens of the vision tower: the class token plus one per patch (577 at 336 / 14). */
export function visionTokens(c: ClipVisionConfig): number {
  return (c.imageSize / c.patchSize) ** 2 + 1;
}
