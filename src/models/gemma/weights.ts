/**
 * Loading Gemma weights from Hugging Face safetensors: one file or the shards of a checkpoint, F32/F16/BF16 converted
 * to float32 tensor by tensor (positioned reads into one preallocated array each, so memory stays at one float32 copy
 * of the decoder). Only the decoder's tensors are read (a PaliGemma checkpoint's vision tower is left alone); shapes are
 * checked against the config. The tied head needs no tensor of its own (an `lm_head.weight`, if present, is ignored).
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SafetensorsReader } from '../../engine/safetensors.js';
import { VizWizError } from '../../errors.js';
import { gemmaConfigFromHf, type GemmaConfig } from './config.js';
import { detectGemmaPrefix, gemmaParamSpecs } from './names.js';

export interface LoadedGemma {
  config: GemmaConfig;
  prefix: string;
  /** Every decoder weight by its name in the checkpoint (prefix included). */
  weights: Map<string, Float32Array>;
}

/** Reads the decoder weights of `config` from safetensors files; `prefix` defaults to the one the files use. */
export async function loadGemmaWeights(files: readonly string[], config: GemmaConfig, prefix?: string): Promise<LoadedGemma> {
  const readers: SafetensorsReader[] = [];
  try {
    for (const f of files) readers.push(await SafetensorsReader.open(f));
    const p = prefix ?? detectGemmaPrefix(readers.flatMap((r) => [...r.tensors.keys()]));
    const weights = new Map<string, Float32Array>();
    for (const spec of gemmaParamSpecs(config, p)) {
      const reader = readers.find((r) => r.tensors.has(spec.name));
      if (!reader) throw new VizWizError('INVALID_CHECKPOINT', `tensor '${spec.name}' is in none of ${files.join(', ')}`);
      const shape = reader.info(spec.name).shape;
      if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
        throw new VizWizError('INVALID_CHECKPOINT', `${reader.path}: '${spec.name}' is [${shape.join(', ')}], the config says [${spec.shape.join(', ')}]`);
      }
      weights.set(spec.name, await reader.readF32(spec.name));
    }
    return { config, prefix: p, weights };
  } finally {
    for (const r of readers) await r.close();
  }
}

/** The safetensors files of a checkpoint folder: the shards listed in model.safetensors.index.json, or model.safetensors. */
export async function checkpointFiles(dir: string): Promise<string[]> {
  const index = path.join(dir, 'model.safetensors.index.json');
  let text: string | null = null;
  try {
    text = await readFile(index, 'utf8');
  } catch {
    return [path.join(dir, 'model.safetensors')];
  }
  const parsed = JSON.parse(text) as { weight_map?: Record<string, string> };
  if (!parsed.weight_map) throw new VizWizError('INVALID_CHECKPOINT', `${index}: no weight_map`);
  return [...new Set(Object.values(parsed.weight_map))].map((f) => path.join(dir, f));
}

/** Config and decoder weights of a Hugging Face checkpoint folder (GemmaForCausalLM or PaliGemma). */
export async function loadGemmaCheckpoint(dir: string, prefix?: string): Promise<LoadedGemma> {
  const configPath = path.join(dir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new VizWizError('NOT_FOUND', `cannot read ${configPath}: ${(e as Error).message}`, { cause: e });
  }
  return loadGemmaWeights(await checkpointFiles(dir), gemmaConfigFromHf(raw), prefix);
}
