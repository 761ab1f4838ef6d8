/**
 * Shared by the CLIP golden tests: the golden root (`$VIZWIZ_GOLDEN_DIR`, default test/fixtures), loading one golden
 * folder (config, weights, inputs, outputs) and comparing outputs with the house tolerance (1e-5 absolute where the
 * values are O(1), 1e-4 otherwise).
 */

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../src/engine/tensor.js';
import { readSafetensors, type TensorData } from '../../../src/engine/safetensors.js';
import type { ParamSpec } from '../../../src/engine/model.js';
import { parseClipConfig, type ClipConfig, type ClipTextConfig } from '../../../src/models/clip/config.js';
import { maxAbsDiff, outputTol as tolerance } from '../../helpers/tolerance.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const goldenRoot = process.env.VIZWIZ_GOLDEN_DIR ?? path.join(here, '..', '..', 'fixtures');

export type Tensors = Map<string, { shape: readonly number[]; data: TensorData }>;

export interface Golden {
  dir: string;
  config: ClipConfig;
  weights: Tensors;
  inputs: Tensors;
  outputs: Tensors;
}

export async function loadGolden(folder: string): Promise<Golden> {
  const dir = path.join(goldenRoot, folder);
  const config = parseClipConfig(JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')));
  const load = (f: string): Promise<Tensors> => readSafetensors(path.join(dir, `${f}.safetensors`));
  return { dir, config, weights: await load('model'), inputs: await load('inputs'), outputs: await load('outputs') };
}

/** The parameters a model needs, by name, with their shapes checked against the specs. */
export function paramsFor(specs: readonly ParamSpec[], weights: Tensors): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const s of specs) {
    const t = weights.get(s.name);
    assert.ok(t, `golden weights lack '${s.name}'`);
    assert.deepEqual([...t.shape], [...s.shape], `shape of '${s.name}'`);
    out.set(s.name, t.data as Float32Array);
  }
  return out;
}

export function feeds(inputs: Tensors): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [name, t] of inputs) {
    out[name] = t.data instanceof BigInt64Array ? Tensor.i64(t.data, [...t.shape]) : Tensor.f32(t.data as Float32Array, [...t.shape]);
  }
  return out;
}

/** Compares every golden output with ours; returns the max error per output. */
export function compareOutputs(expected: Tensors, actual: Record<string, Tensor>): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const [name, e] of expected) {
    const a = actual[name];
    assert.ok(a, `no output '${name}'`);
    assert.deepEqual([...a.dims], [...e.shape], `shape of '${name}'`);
    const err = maxAbsDiff(a.floats(), e.data as Float32Array);
    errors[name] = err;
    const tol = tolerance(e.data as Float32Array);
    assert.ok(err <= tol, `${name}: max abs error ${err.toExponential(2)} > ${tol}`);
  }
  return errors;
}

export { maxAbsDiff, outputTol as tolerance } from '../../helpers/tolerance.js';

/** A tiny CLIP text tower over the tokenizer fixture's 536-token vocabulary (the golden has none of its own). */
export const TINY_TEXT: ClipTextConfig = {
  hidden: 32,
  layers: 2,
  heads: 4,
  intermediate: 37,
  eps: 1e-5,
  activation: 'quick_gelu',
  vocabSize: 536,
  maxPositions: 77,
  projectionDim: 16,
  bosTokenId: 534,
  eosTokenId: 535,
  padTokenId: 535,
};
