/**
 * CLIP weights: loading a checkpoint's tensors for a model's ParamSpecs (Hugging Face names, shapes checked; extra
 * tensors such as old checkpoints' `*.position_ids` are ignored), and seeded random weights of a real architecture from
 * its parameter manifest (golden/manifests format: `parameters` {name: shape} in module order, `config` = the HF
 * config), for tests and benchmarks. The manifest is checked against the model code: same names, shapes and order.
 */

import { readFile } from 'node:fs/promises';
import { VizWizError } from '../../errors.js';
import { initParams } from '../../engine/init.js';
import type { ParamSpec } from '../../engine/model.js';
import { WeightStore } from '../sources/weights.js';
import { parseClipConfig, type ClipConfig } from './config.js';
import { clipModelParams } from './model.js';

export interface ParamManifest {
  model?: string;
  parameters: Record<string, number[]>;
  config: unknown;
}

export async function readManifest(file: string): Promise<ParamManifest> {
  const m = JSON.parse(await readFile(file, 'utf8')) as Partial<ParamManifest>;
  if (!m.parameters || typeof m.parameters !== 'object' || m.config === undefined) {
    throw new VizWizError('INVALID_CHECKPOINT', `${file}: not a parameter manifest (needs 'parameters' and 'config')`);
  }
  return m as ParamManifest;
}

/** Differences between the specs and the manifest (names, shapes, order); empty when they agree. */
export function manifestMismatches(specs: readonly ParamSpec[], manifest: ParamManifest): string[] {
  const listed = Object.entries(manifest.parameters);
  const out: string[] = [];
  const byName = new Map(listed);
  for (const s of specs) {
    const shape = byName.get(s.name);
    if (!shape) out.push(`'${s.name}' is not in the manifest`);
    else if (shape.join(',') !== s.shape.join(',')) out.push(`'${s.name}': manifest [${shape.join(', ')}], model [${s.shape.join(', ')}]`);
  }
  const ours = new Set(specs.map((s) => s.name));
  for (const [name] of listed) if (!ours.has(name)) out.push(`manifest parameter '${name}' is not in the model`);
  if (out.length === 0 && listed.some(([name], i) => specs[i]?.name !== name)) out.push('same parameters in a different order');
  return out;
}

/** The manifest's config and seeded random weights for all of the CLIPModel's parameters (or those `keep` selects). */
export function randomClipWeights(
  manifest: ParamManifest,
  seed: number,
  keep: (name: string) => boolean = () => true,
): { config: ClipConfig; weights: Map<string, Float32Array> } {
  const config = parseClipConfig(manifest.config);
  const specs = clipModelParams(config);
  const bad = manifestMismatches(specs, manifest);
  if (bad.length > 0)
    throw new VizWizError('INVALID_CHECKPOINT', `manifest ${manifest.model ?? ''} does not match the CLIP model code: ${bad.slice(0, 5).join('; ')}`);
  return {
    config,
    weights: initParams(
      specs.filter((s) => keep(s.name)),
      seed,
    ),
  };
}

/** Reads the tensors the specs name from a checkpoint (file, sharded index, or folder), as float32. */
export async function loadClipWeights(source: string, specs: readonly ParamSpec[]): Promise<Map<string, Float32Array>> {
  const store = await WeightStore.open(source);
  try {
    const out = new Map<string, Float32Array>();
    for (const s of specs) out.set(s.name, await store.readF32Shaped(s.name, s.shape));
    return out;
  } finally {
    await store.close();
  }
}
