/**
 * LoRA on PaliGemma: the set of adapted modules for a config (PEFT matching over paligemmaLinears), fresh adapter
 * tensors, and the training ModelDef - base weights all frozen (constant graph inputs), adapters the only parameters,
 * the loss scored on the selected suffix rows only (paligemma/loss.ts).
 */

import type { ModelDef } from '../../engine/model.js';
import { initParams } from '../../engine/init.js';
import type { PaliGemmaConfig } from '../paligemma/config.js';
import { paligemmaModel } from '../paligemma/model.js';
import type { PaliGemmaPrefixes } from '../paligemma/names.js';
import type { PatchEmbedMethod } from '../transformer/patch-embed.js';
import { loraHook, loraParamSpecs, type LoraSet } from './adapters.js';
import type { LoraConfig } from './config.js';
import { paligemmaLinears, selectTargets } from './targets.js';

export function paligemmaLoraSet(c: PaliGemmaConfig, p: PaliGemmaPrefixes, lora: LoraConfig): LoraSet {
  return { config: lora, modules: selectTargets(paligemmaLinears(c, p), lora) };
}

/** PEFT-style initial adapters: A kaiming-uniform from a seeded stream, B zeros (so training starts at the base model). */
export function initAdapters(set: LoraSet, seed: number): Map<string, Float32Array> {
  return initParams(loraParamSpecs(set), seed);
}

export interface LoraModelOptions {
  /** Also add `loss_rows` / `selected_logits` (default true: the training graph). */
  lossRows?: boolean;
  patchMethod?: PatchEmbedMethod;
}

export function paligemmaLoraModel(c: PaliGemmaConfig, p: PaliGemmaPrefixes, set: LoraSet, o: LoraModelOptions = {}): ModelDef {
  return paligemmaModel(c, {
    prefixes: p,
    trainable: 'none',
    adapters: { params: loraParamSpecs(set), hook: loraHook(set) },
    lossRows: o.lossRows ?? true,
    patchMethod: o.patchMethod,
  });
}
