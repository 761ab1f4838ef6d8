/**
 * Loading SigLIP vision weights from Hugging Face safetensors (one file or shards; F32/F16/BF16 widened to float32
 * tensor by tensor). The prefix is detected (standalone `vision_model.` or PaliGemma's `vision_tower.vision_model.`);
 * only the tower's tensors are read, shapes checked against the config. A config saying `vision_use_head` whose
 * checkpoint lacks the head loads without it.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SafetensorsReader } from '../../engine/safetensors.js';
import { VizWizError } from '../../errors.js';
import { checkpointFiles } from '../gemma/weights.js';
import { siglipConfigFromHf, type SiglipVisionConfig } from './config.js';
import { detectSiglipPrefix, siglipParamSpecs } from './names.js';
import type { ParamSpec } from '../../engine/model.js';

export interface LoadedSiglip {
  config: SiglipVisionConfig;
  prefix: string;
  weights: Map<string, Float32Array>;
}

/** Reads `specs` from the first of `readers` holding each name, checking shapes; throws naming the missing tensor. */
export async function readSpecs(readers: readonly SafetensorsReader[], specs: readonly ParamSpec[], into = new Map<string, Float32Array>()): Promise<Map<string, Float32Array>> {
  for (const spec of specs) {
    const reader = readers.find((r) => r.tensors.has(spec.name));
    if (!reader) throw new VizWizError('INVALID_CHECKPOINT', `tensor '${spec.name}' is in none of ${readers.map((r) => r.path).join(', ')}`);
    const shape = reader.info(spec.name).shape;
    if (shape.length !== spec.shape.length || shape.some((d, i) => d !== spec.shape[i])) {
      throw new VizWizError('INVALID_CHECKPOINT', `${reader.path}: '${spec.name}' is [${shape.join(', ')}], the config says [${spec.shape.join(', ')}]`);
    }
    into.set(spec.name, await reader.readF32(spec.name));
  }
  return into;
}

export async function loadSiglipWeights(files: readonly string[], config: SiglipVisionConfig, prefix?: string): Promise<LoadedSiglip> {
  const readers: SafetensorsReader[] = [];
  try {
    for (const f of files) readers.push(await SafetensorsReader.open(f));
    const names = readers.flatMap((r) => [...r.tensors.keys()]);
    const p = prefix ?? detectSiglipPrefix(names);
    const c = config.useHead && !names.includes(`${p}head.probe`) ? { ...config, useHead: false } : config;
    return { config: c, prefix: p, weights: await readSpecs(readers, siglipParamSpecs(c, p)) };
  } finally {
    for (const r of readers) await r.close();
  }
}

/** Config and vision weights of a checkpoint folder (SiglipVisionModel, SiglipModel or PaliGemma). */
export async function loadSiglipCheckpoint(dir: string, prefix?: string): Promise<LoadedSiglip> {
  const configPath = path.join(dir, 'config.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (e) {
    throw new VizWizError('NOT_FOUND', `cannot read ${configPath}: ${(e as Error).message}`, { cause: e });
  }
  return loadSiglipWeights(await checkpointFiles(dir), siglipConfigFromHf(raw), prefix);
}
