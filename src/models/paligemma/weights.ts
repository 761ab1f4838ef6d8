/**
 * Loading a PaliGemma checkpoint: config.json and every tensor of the vision tower, projector and decoder from its
 * safetensors files (one file or shards), F32/F16/BF16 widened to float32 tensor by tensor into one preallocated
 * array each - memory stays at one float32 copy of the weights. The name layout is detected.
 */

import { checkpointFiles, readConfigJson, readSpecs, withReaders } from '../sources/checkpoint-folder.js';
import { paligemmaConfigFromHf, type PaliGemmaConfig } from './config.js';
import { detectPaligemmaPrefixes, paligemmaParamSpecs, type PaliGemmaPrefixes } from './names.js';

export interface LoadedPaliGemma {
  config: PaliGemmaConfig;
  prefixes: PaliGemmaPrefixes;
  weights: Map<string, Float32Array>;
}

async function loadPaligemmaWeights(files: readonly string[], config: PaliGemmaConfig, prefixes?: PaliGemmaPrefixes): Promise<LoadedPaliGemma> {
  return withReaders(files, async (readers, names) => {
    const p = prefixes ?? detectPaligemmaPrefixes(names);
    return { config, prefixes: p, weights: await readSpecs(readers, paligemmaParamSpecs(config, p)) };
  });
}

export async function readPaligemmaConfig(dir: string): Promise<PaliGemmaConfig> {
  return paligemmaConfigFromHf(await readConfigJson(dir));
}

/** Config and weights of a checkpoint folder. */
export async function loadPaligemmaCheckpoint(dir: string, prefixes?: PaliGemmaPrefixes): Promise<LoadedPaliGemma> {
  return loadPaligemmaWeights(await checkpointFiles(dir), await readPaligemmaConfig(dir), prefixes);
}
