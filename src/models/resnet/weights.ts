/**
 * ResNet weights with torchvision / timm state-dict names (conv1, bn1, layer1..4.N.{conv1..3, bn1..3, downsample.0/1},
 * fc), from a checkpoint path (a .safetensors file, a sharded *.safetensors.index.json, or a folder holding either,
 * read through WeightStore) or an in-memory Map<string, Float32Array>. The architecture is read from the tensors
 * (config.ts), every expected tensor is checked for presence and size, `num_batches_tracked` and other integer
 * buffers are ignored, and F16/BF16 files are widened to float32 while reading.
 */

import { VizWizError, listNames } from '../../errors.js';
import { WeightStore } from '../sources/weights.js';
import { inferResnetConfig, resnetStateShapes, type ResnetConfig } from './config.js';

/** A state dict by name (float32, torch layout) and the architecture it describes. */
export interface ResnetWeights {
  readonly config: ResnetConfig;
  readonly tensors: ReadonlyMap<string, Float32Array>;
}

/** A checkpoint path (file, index or folder), or tensors already in memory (torchvision names; integer buffers may be left out). */
export type ResnetWeightSource = string | ReadonlyMap<string, Float32Array>;

export interface LoadResnetOptions {
  /** BatchNorm eps (not stored in checkpoints): torchvision uses 1e-5. */
  bnEps?: number;
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function checkComplete(config: ResnetConfig, lengths: ReadonlyMap<string, { length: number }>, where: string): void {
  const missing: string[] = [];
  for (const [name, shape] of resnetStateShapes(config)) {
    const t = lengths.get(name);
    if (!t) missing.push(name);
    else if (t.length !== count(shape)) {
      throw new VizWizError(
        'INVALID_CHECKPOINT',
        `${where}: tensor '${name}' has ${t.length} values, expected ${count(shape)} ([${shape.join(', ')}]) for this ResNet`,
      );
    }
  }
  if (missing.length > 0) throw new VizWizError('INVALID_CHECKPOINT', `${where}: ${missing.length} ResNet tensor(s) missing: ${listNames(missing)}`);
}

/** Loads and validates ResNet weights; the returned map holds exactly the float tensors of `resnetStateShapes`. */
export async function loadResnetWeights(source: ResnetWeightSource, o: LoadResnetOptions = {}): Promise<ResnetWeights> {
  const eps = o.bnEps ?? 1e-5;
  if (typeof source !== 'string') {
    const config = inferResnetConfig(source, eps);
    checkComplete(config, source, 'ResNet weights');
    const tensors = new Map<string, Float32Array>();
    for (const name of resnetStateShapes(config).keys()) tensors.set(name, source.get(name) as Float32Array);
    return { config, tensors };
  }
  const store = await WeightStore.open(source);
  try {
    const lengths = new Map(store.names.map((name) => [name, { length: store.info(name).size }]));
    const config = inferResnetConfig(lengths, eps);
    checkComplete(config, lengths, source);
    const tensors = new Map<string, Float32Array>();
    for (const [name, shape] of resnetStateShapes(config)) {
      const got = store.shape(name);
      if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
        throw new VizWizError('INVALID_CHECKPOINT', `${source}: tensor '${name}' is [${got.join(', ')}], expected [${shape.join(', ')}]`);
      }
      tensors.set(name, await store.readF32(name));
    }
    return { config, tensors };
  } finally {
    await store.close();
  }
}
