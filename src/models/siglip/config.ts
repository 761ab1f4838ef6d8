/**
 * The typed configuration of a SigLIP vision tower, read from a Hugging Face config: a SiglipVisionModel
 * `config.json`, the `vision_config` of a SiglipModel or of a PaliGemma checkpoint. Missing fields take transformers'
 * SiglipVisionConfig defaults (4.44): hidden 768, 12 layers, 12 heads, MLP 3072, image 224, patch 16,
 * gelu_pytorch_tanh, LayerNorm eps 1e-6; `vision_use_head` defaults to true (SiglipVisionTransformer's rule).
 */

import { VizWizError } from '../../errors.js';
import { configNumber, type Json } from '../hf-config.js';
import { activationFromHf, type TransformerConfig } from '../transformer/config.js';

export interface SiglipVisionConfig extends TransformerConfig {
  imageSize: number; // S: 224 (PaliGemma-3B-224)
  patchSize: number; // p: 14
  channels: number; // 3
  /** The attention-pooling head (`head.*`); PaliGemma has none. */
  useHead: boolean;
}

const num = (o: Json, key: string, dflt: number): number => configNumber(o, key, dflt, 'SigLIP config');

/** Image tokens per image: (S / p)^2 (256 for 224 / 14). */
export function siglipTokens(c: SiglipVisionConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Parses a SigLIP vision config; a config with a `vision_config` object (SiglipModel, PaliGemma) yields that part. */
export function siglipConfigFromHf(raw: unknown): SiglipVisionConfig {
  if (typeof raw !== 'object' || raw === null) throw new VizWizError('INVALID_CHECKPOINT', 'SigLIP config: expected a JSON object');
  const top = raw as Json;
  const o = typeof top.vision_config === 'object' && top.vision_config !== null ? (top.vision_config as Json) : top;
  const act = o.hidden_act ?? 'gelu_pytorch_tanh';
  if (typeof act !== 'string') throw new VizWizError('INVALID_CHECKPOINT', `SigLIP config: hidden_act must be a string`);
  let activation;
  try {
    activation = activationFromHf(act);
  } catch (e) {
    throw new VizWizError('INVALID_CHECKPOINT', `SigLIP config: ${(e as Error).message}`);
  }
  const c: SiglipVisionConfig = {
    hidden: num(o, 'hidden_size', 768),
    layers: num(o, 'num_hidden_layers', 12),
    heads: num(o, 'num_attention_heads', 12),
    intermediate: num(o, 'intermediate_size', 3072),
    eps: num(o, 'layer_norm_eps', 1e-6),
    activation,
    imageSize: num(o, 'image_size', 224),
    patchSize: num(o, 'patch_size', 16),
    channels: num(o, 'num_channels', 3),
    useHead: o.vision_use_head === undefined || o.vision_use_head === null ? true : o.vision_use_head === true,
  };
  validateSiglipConfig(c);
  return c;
}

function validateSiglipConfig(c: SiglipVisionConfig): void {
  for (const k of ['hidden', 'layers', 'heads', 'intermediate', 'imageSize', 'patchSize', 'channels'] as const) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new VizWizError('INVALID_CHECKPOINT', `SigLIP config: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (c.hidden % c.heads !== 0) throw new VizWizError('INVALID_CHECKPOINT', `SigLIP config: hidden ${c.hidden} is not a multiple of ${c.heads} heads`);
  if (c.imageSize % c.patchSize !== 0)
    throw new VizWizError('INVALID_CHECKPOINT', `SigLIP config: image size ${c.imageSize} is not a multiple of patch size ${c.patchSize}`);
}
