/**
 * The weights a PaliGemma generator runs on, for `predict` and `serve` alike: float32 with the LoRA adapter merged in
 * (W + scaling * B @ A, once), or - with `quantize` - the Linear weights block-quantized (cached beside the checkpoint,
 * models/quantized/cache.ts) and the adapter applied on top in float, since there is no float weight to merge into.
 */

import type { QuantSchemeName } from '../engine/block-quantize.js';
import type { WeightArray } from '../engine/weights.js';
import { loraHook, loraParamSpecs } from '../models/lora/adapters.js';
import { mergeAdapters } from '../models/lora/merge.js';
import { loadAdapter } from '../models/lora/peft-io.js';
import { paligemmaLinears } from '../models/lora/targets.js';
import type { PaliGemmaGeneratorOptions } from '../models/paligemma/generate.js';
import { loadBase, loadQuantizedBase, type BaseInput, type PaliGemmaBase } from './base.js';

export interface GeneratorWeightsRequest {
  base: BaseInput;
  adapter?: string;
  quantize?: QuantSchemeName;
  /** Where quantized weights are cached (default `<base>/.vizwiz-quantized`). */
  quantizedCacheDir?: string;
  log?: (line: string) => void;
}

export interface GeneratorWeights {
  base: PaliGemmaBase;
  weights: ReadonlyMap<string, WeightArray>;
  /** What PaliGemmaGenerator.create needs besides the session: the quantized selection and the adapter on top. */
  options: Pick<PaliGemmaGeneratorOptions, 'quantized' | 'adapters' | 'releaseBound'>;
}

export async function paligemmaGeneratorWeights(o: GeneratorWeightsRequest): Promise<GeneratorWeights> {
  if (o.quantize === undefined) {
    const base = await loadBase(o.base);
    const { config, prefixes } = base.model;
    if (o.adapter === undefined) return { base, weights: base.model.weights, options: {} };
    const adapter = await loadAdapter(o.adapter, paligemmaLinears(config, prefixes));
    return { base, weights: mergeAdapters(base.model.weights, adapter.set, adapter.tensors, { inPlace: base.loaded }), options: {} };
  }
  const q = await loadQuantizedBase(o.base, o.quantize, o.quantizedCacheDir);
  if (q.cacheFile !== undefined) o.log?.(`${o.quantize} weights ${q.reused ? 'read from' : 'quantized once and cached in'} ${q.cacheFile}`);
  const { config, prefixes } = q.base.model;
  // The map is the generator's own: the quantized parts leave it once the sessions hold them.
  if (o.adapter === undefined) return { base: q.base, weights: q.weights, options: { quantized: q.selection, releaseBound: true } };
  const adapter = await loadAdapter(o.adapter, paligemmaLinears(config, prefixes));
  return {
    base: q.base,
    weights: new Map([...q.weights, ...adapter.tensors]),
    options: { quantized: q.selection, adapters: { params: loraParamSpecs(adapter.set), hook: loraHook(adapter.set) }, releaseBound: true },
  };
}
