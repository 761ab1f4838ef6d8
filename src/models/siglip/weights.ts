/**
 * Loading SigLIP vision weights from Hugging Face safetensors (one file or shards; F32/F16/BF16 widened to float32
 * tensor by tensor). The prefix is detected (standalone `vision_model.` or PaliGemma's `vision_tower.vision_model.`);
 * only the tower's tensors are read, shapes checked against the config. A config saying `vision_use_head` whose
 * checkpoint lacks the head loads without it.
 */

import { checkpointFiles, readConfigJson, readSpecs, withReaders } from '../sources/checkpoint-folder.js';
import { siglipConfigFromHf, type SiglipVisionConfig } from './config.js';
import { detectSiglipPrefix, siglipParamSpecs } from './names.js';

export interface LoadedSiglip {
  config: SiglipVisionConfig;
  prefix: string;
  weights: Map<string, Float32Array>;
}

async function loadSiglipWeights(files: readonly string[], config: SiglipVisionConfig, prefix?: string): Promise<LoadedSiglip> {
  return withReaders(files, async (readers, names) => {
    const p = prefix ?? detectSiglipPrefix(names);
    const c = config.useHead && !names.includes(`${p}head.probe`) ? { ...config, useHead: false } : config;
    return { config: c, prefix: p, weights: await readSpecs(readers, siglipParamSpecs(c, p)) };
  });
}

/** Config and vision weights of a checkpoint folder (SiglipVisionModel, SiglipModel or PaliGemma). */
export async function loadSiglipCheckpoint(dir: string, prefix?: string): Promise<LoadedSiglip> {
  return loadSiglipWeights(await checkpointFiles(dir), siglipConfigFromHf(await readConfigJson(dir)), prefix);
}
