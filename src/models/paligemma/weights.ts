/**
 * Loading a PaliGemma checkpoint: config.json and every tensor of the vision tower, projector and decoder from its
 * safetensors files (one file or shards), F32/F16/BF16 widened to float32 tensor by tensor into one preallocated
 * array each - memory stays at one float32 copy of the weights. The name layout is detected.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SafetensorsReader } from '../../engine/safetensors.js';
import { VizWizError } from '../../errors.js';
import { checkpointFiles } from '../gemma/weights.js';
import { readSpecs } from '../siglip/weights.js';
import { paligemmaConfigFromHf, type PaliGemmaConfig } from './config.js';
import { detectPaligemmaPrefixes, paligemmaParamSpecs, type PaliGemmaPrefixes } from './names.js';

export interface LoadedPaliGemma {
  config: PaliGemmaConfig;
  prefixes: PaliGemmaPrefixes;
  weights: Map<string, Float32Array>;
}

export async function loadPaligemmaWeights(files: readonly string[], config: PaliGemmaConfig, prefixes?: PaliGemmaPrefixes): Promise<LoadedPaliGemma> {
  const readers: SafetensorsReader[] = [];
  try {
    for (const f of files) readers.push(await SafetensorsReader.open(f));
    const p = prefixes ?? detectPaligemmaPrefixes(readers.flatMap((r) => [...r.tensors.keys()]));
    return { config, prefixes: p, weights: await readSpecs(readers, paligemmaParamSpecs(config, p)) };
  } finally {
    for (const r of readers) await r.close();
  }
}

export async function readPaligemmaConfig(dir: string): Promise<PaliGemmaConfig> {
  const configPath = path.join(dir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new VizWizError('NOT_FOUND', `cannot read ${configPath}: ${(e as Error).message}`, { cause: e });
  }
  return paligemmaConfigFromHf(raw);
}

/** Config and weights of a checkpoint folder. */
export async function loadPaligemmaCheckpoint(dir: string, prefixes?: PaliGemmaPrefixes): Promise<LoadedPaliGemma> {
  return loadPaligemmaWeights(await checkpointFiles(dir), await readPaligemmaConfig(dir), prefixes);
}
