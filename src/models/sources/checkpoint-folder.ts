/**
 * Reading a Hugging Face checkpoint folder as the model loaders need it: its config.json, its safetensors files
 * (the shards of model.safetensors.index.json, or model.safetensors), and named tensors checked against the shapes
 * the model code expects. One place for what Gemma, SigLIP and PaliGemma loading share.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParamSpec } from '../../engine/model.js';
import { SafetensorsReader } from '../../engine/safetensors.js';
import { VizWizError } from '../../errors.js';

/** The parsed config.json of a checkpoint folder. */
export async function readConfigJson(dir: string): Promise<unknown> {
  const configPath = path.join(dir, 'config.json');
  try {
    return JSON.parse(await readFile(configPath, 'utf8')) as unknown;
  } catch (e) {
    throw new VizWizError('NOT_FOUND', `cannot read ${configPath}: ${(e as Error).message}`, { cause: e });
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

/** Opens every file, runs `fn` over the readers, and closes them whatever happens. */
export async function withReaders<T>(files: readonly string[], fn: (readers: readonly SafetensorsReader[], names: string[]) => Promise<T>): Promise<T> {
  const readers: SafetensorsReader[] = [];
  try {
    for (const f of files) readers.push(await SafetensorsReader.open(f));
    return await fn(
      readers,
      readers.flatMap((r) => [...r.tensors.keys()]),
    );
  } finally {
    for (const r of readers) await r.close();
  }
}

/** Reads `specs` from the first of `readers` holding each name, checking shapes; throws naming the missing tensor. */
export async function readSpecs(
  readers: readonly SafetensorsReader[],
  specs: readonly ParamSpec[],
  into = new Map<string, Float32Array>(),
): Promise<Map<string, Float32Array>> {
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
