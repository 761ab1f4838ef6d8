/**
 * The typed configuration of a PaliGemma checkpoint (PaliGemmaForConditionalGeneration config.json): the SigLIP vision
 * tower, the Gemma decoder, and the glue between them. Defaults are transformers 4.44's PaliGemmaConfig.
 *   image_token_index 257152, text_config.num_image_tokens 256, projection_dim 2048 (= text hidden),
 *   hidden_size 2048 (top level: image features are divided by its square root before the merge)
 */

import { VizWizError } from '../../errors.js';
import { configNumber, type Json } from '../hf-config.js';
import { gemmaConfigFromHf, type GemmaConfig } from '../gemma/config.js';
import { siglipConfigFromHf, siglipTokens, type SiglipVisionConfig } from '../siglip/config.js';

export interface PaliGemmaConfig {
  vision: SiglipVisionConfig;
  text: GemmaConfig;
  imageTokenIndex: number; // 257152
  /** Image tokens per image in the prompt (= SigLIP's patch count). */
  numImageTokens: number; // 256
  /** Projector output size; must equal the text hidden size. */
  projectionDim: number; // 2048
  /** Top-level hidden_size: projected image features are divided by sqrt(hiddenSize) (transformers' quirk). */
  hiddenSize: number; // 2048
  ignoreIndex: number; // -100
}

const num = (o: Json, key: string, dflt: number): number => configNumber(o, key, dflt, 'PaliGemma config');

export function paligemmaConfigFromHf(raw: unknown): PaliGemmaConfig {
  if (typeof raw !== 'object' || raw === null) throw new VizWizError('INVALID_CHECKPOINT', 'PaliGemma config: expected a JSON object');
  const top = raw as Json;
  const vc = top.vision_config;
  const tc = top.text_config;
  if (typeof vc !== 'object' || vc === null || typeof tc !== 'object' || tc === null) {
    throw new VizWizError('INVALID_CHECKPOINT', 'PaliGemma config: needs both vision_config and text_config');
  }
  const vision = siglipConfigFromHf(vc);
  // PaliGemma's tower never has the pooling head, whatever the SigLIP default says.
  const c: PaliGemmaConfig = {
    vision: { ...vision, useHead: (vc as Json).vision_use_head === true },
    text: gemmaConfigFromHf(top),
    imageTokenIndex: num(top, 'image_token_index', 257152),
    numImageTokens: num(tc as Json, 'num_image_tokens', siglipTokens(vision)),
    projectionDim: num(vc as Json, 'projection_dim', num(top, 'projection_dim', 2048)),
    hiddenSize: num(top, 'hidden_size', 2048),
    ignoreIndex: num(top, 'ignore_index', -100),
  };
  validatePaligemmaConfig(c);
  return c;
}

function validatePaligemmaConfig(c: PaliGemmaConfig): void {
  if (c.projectionDim !== c.text.hidden) {
    throw new VizWizError('INVALID_CHECKPOINT', `PaliGemma config: projection_dim ${c.projectionDim} differs from the text hidden size ${c.text.hidden}`);
  }
  if (c.numImageTokens !== siglipTokens(c.vision)) {
    throw new VizWizError(
      'INVALID_CHECKPOINT',
      `PaliGemma config: num_image_tokens ${c.numImageTokens} but the vision tower makes ${siglipTokens(c.vision)} tokens per image`,
    );
  }
  if (!(c.imageTokenIndex >= 0 && c.imageTokenIndex < c.text.vocab)) {
    throw new VizWizError('INVALID_CHECKPOINT', `PaliGemma config: image_token_index ${c.imageTokenIndex} is outside the vocabulary (${c.text.vocab})`);
  }
}
