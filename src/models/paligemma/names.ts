/**
 * PaliGemma parameter names: the three parts under their prefixes, in either layout transformers has written -
 *   <= 4.51: vision_tower.vision_model.*, multi_modal_projector.linear.*, language_model.model.*
 *   >= 4.52: model.vision_tower.vision_model.*, model.multi_modal_projector.linear.*, model.language_model.*
 * The tied output head (`language_model.lm_head.weight` / `lm_head.weight`) is never read.
 */

import type { ParamSpec } from '../../engine/model.js';
import { VizWizError } from '../../errors.js';
import { detectGemmaPrefix, gemmaParamSpecs } from '../gemma/names.js';
import { detectSiglipPrefix, siglipParamSpecs } from '../siglip/names.js';
import { denseParams } from '../transformer/params.js';
import type { PaliGemmaConfig } from './config.js';

export interface PaliGemmaPrefixes {
  vision: string; // 'vision_tower.vision_model.'
  /** The projector Linear's module path (no trailing dot). */
  projector: string; // 'multi_modal_projector.linear'
  text: string; // 'language_model.model.'
}

export const LEGACY_PREFIXES: PaliGemmaPrefixes = {
  vision: 'vision_tower.vision_model.',
  projector: 'multi_modal_projector.linear',
  text: 'language_model.model.',
};

export const MODERN_PREFIXES: PaliGemmaPrefixes = {
  vision: 'model.vision_tower.vision_model.',
  projector: 'model.multi_modal_projector.linear',
  text: 'model.language_model.',
};

/** Every parameter: vision tower, projector, decoder (the decoder's embedding is also the output head). */
export function paligemmaParamSpecs(c: PaliGemmaConfig, p: PaliGemmaPrefixes = LEGACY_PREFIXES): ParamSpec[] {
  return [...siglipParamSpecs(c.vision, p.vision), ...denseParams(p.projector, c.vision.hidden, c.projectionDim), ...gemmaParamSpecs(c.text, p.text)];
}

/** The prefixes a checkpoint uses, from its tensor names. */
export function detectPaligemmaPrefixes(names: readonly string[]): PaliGemmaPrefixes {
  const key = 'multi_modal_projector.linear.weight';
  const projectors = names.filter((n) => n.endsWith(key)).map((n) => n.slice(0, -'.weight'.length));
  if (projectors.length !== 1) {
    throw new VizWizError(
      'INVALID_CHECKPOINT',
      projectors.length === 0 ? `no projector (\`*${key}\`) in the checkpoint: not a PaliGemma` : `several projectors: ${projectors.join(', ')}`,
    );
  }
  return { vision: detectSiglipPrefix(names), projector: projectors[0] as string, text: detectGemmaPrefix(names) };
}
