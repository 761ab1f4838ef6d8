/**
 * Loading Gemma weights from Hugging Face safetensors: one file or the shards of a checkpoint, F32/F16/BF16 converted
 * to float32 tensor by tensor (positioned reads into one preallocated array each, so memory stays at one float32 copy
 * of the decoder). Only the decoder's tensors are read (a PaliGemma checkpoint's vision tower is left alone); shapes are
 * checked against the config. The tied head needs no tensor of its own (an `lm_head.weight`, if present, is ignored).
 */

import { checkpointFiles, readConfigJson, readSpecs, withReaders } from '../sources/checkpoint-folder.js';
import { gemmaConfigFromHf, type GemmaConfig } from './config.js';
import { detectGemmaPrefix, gemmaParamSpecs } from './names.js';

export interface LoadedGemma {
  config: GemmaConfig;
  prefix: string;
  /** Every decoder weight by its name in the checkpoint (prefix included). */
  weights: Map<string, Float32Array>;
}

/** Reads the decoder weights of `config` from safetensors files; `prefix` defaults to the one the files use. */
async function loadGemmaWeights(files: readonly string[], config: GemmaConfig, prefix?: string): Promise<LoadedGemma> {
  return withReaders(files, async (readers, names) => {
    const p = prefix ?? detectGemmaPrefix(names);
    return { config, prefix: p, weights: await readSpecs(readers, gemmaParamSpecs(config, p)) };
  });
}

/** Config and decoder weights of a Hugging Face checkpoint folder (GemmaForCausalLM or PaliGemma). */
export async function loadGemmaCheckpoint(dir: string, prefix?: string): Promise<LoadedGemma> {
  return loadGemmaWeights(await checkpointFiles(dir), gemmaConfigFromHf(await readConfigJson(dir)), prefix);
}
