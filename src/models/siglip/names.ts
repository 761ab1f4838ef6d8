/**
 * SigLIP vision parameter names as Hugging Face writes them, under a prefix: `vision_model.` (SiglipVisionModel),
 * `vision_tower.vision_model.` (PaliGemma, transformers <= 4.51) or `model.vision_tower.vision_model.` (>= 4.52).
 *   <p>embeddings.patch_embedding.{weight [D, C, p, p], bias [D]}
 *   <p>embeddings.position_embedding.weight                       [N, D]
 *   <p>encoder.layers.i.self_attn.{q,k,v,out}_proj.{weight, bias}  [D, D], [D]
 *   <p>encoder.layers.i.layer_norm{1,2}.{weight, bias}             [D]
 *   <p>encoder.layers.i.mlp.fc1 [I, D] / fc2 [D, I] (+ bias)
 *   <p>post_layernorm.{weight, bias}                               [D]
 *   <p>head.{probe [1,1,D], attention.in_proj_{weight [3D, D], bias}, attention.out_proj, layernorm, mlp.fc1/fc2}
 */

import type { ParamSpec } from '../../engine/model.js';
import { VizWizError } from '../../errors.js';
import { encoderParams } from '../transformer/encoder.js';
import { mlpParams } from '../transformer/mlp.js';
import { denseParams, INIT_STD, layerNormParams } from '../transformer/params.js';
import { patchEmbedParams } from '../transformer/patch-embed.js';
import { siglipTokens, type SiglipVisionConfig } from './config.js';

export const DEFAULT_SIGLIP_PREFIX = 'vision_model.';

/** Every parameter with its shape, in Hugging Face module order (the head only when `c.useHead`). */
export function siglipParamSpecs(c: SiglipVisionConfig, prefix = DEFAULT_SIGLIP_PREFIX): ParamSpec[] {
  const p = prefix;
  const specs: ParamSpec[] = [
    ...patchEmbedParams(`${p}embeddings.patch_embedding`, c, true),
    { name: `${p}embeddings.position_embedding.weight`, shape: [siglipTokens(c), c.hidden], init: { kind: 'normal', std: INIT_STD } },
    ...encoderParams(`${p}encoder`, c),
    ...layerNormParams(`${p}post_layernorm`, c.hidden),
  ];
  if (c.useHead) {
    specs.push(
      { name: `${p}head.probe`, shape: [1, 1, c.hidden], init: { kind: 'normal', std: INIT_STD } },
      { name: `${p}head.attention.in_proj_weight`, shape: [3 * c.hidden, c.hidden], init: { kind: 'normal', std: INIT_STD } },
      { name: `${p}head.attention.in_proj_bias`, shape: [3 * c.hidden], init: { kind: 'constant', value: 0 } },
      ...denseParams(`${p}head.attention.out_proj`, c.hidden, c.hidden),
      ...layerNormParams(`${p}head.layernorm`, c.hidden),
      ...mlpParams(`${p}head.mlp`, c),
    );
  }
  return specs;
}

/** The prefix under which a checkpoint stores its SigLIP tower: whatever precedes `embeddings.patch_embedding.weight`. */
export function detectSiglipPrefix(names: Iterable<string>): string {
  const key = 'embeddings.patch_embedding.weight';
  const found: string[] = [];
  for (const name of names) if (name.endsWith(key) && !name.includes('text_model')) found.push(name.slice(0, -key.length));
  if (found.length === 1) return found[0] as string;
  if (found.length === 0) throw new VizWizError('INVALID_CHECKPOINT', `no SigLIP vision tower (\`*${key}\`) in the checkpoint`);
  throw new VizWizError('INVALID_CHECKPOINT', `several vision towers in the checkpoint (prefixes ${found.map((f) => `'${f}'`).join(', ')}); pass the prefix`);
}
