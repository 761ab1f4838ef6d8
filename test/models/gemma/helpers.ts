/**
 * Shared by the Gemma tests: the golden folders (`$VIZWIZ_GOLDEN_DIR/<name>`, default the project's fixtures), tensor
 * access, comparisons with the golden tolerances (docs/decisions/005-golden-tolerances.md), and feeds for the full-forward graph.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '../../../src/engine/tensor.js';
import { readSafetensors, type TensorData } from '../../../src/engine/safetensors.js';
import { gemmaConfigFromHf, type GemmaConfig } from '../../../src/models/gemma/config.js';
import { arangePositions, causalBias } from '../../../src/models/gemma/masks.js';
import { kvCacheFrom } from '../../../src/models/gemma/kv-decoder.js';
import type { DecodeStart, GreedyOptions } from '../../../src/models/gemma/generate.js';
import { maxAbsDiff, outputTol } from '../../helpers/tolerance.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const goldenRoot = process.env.VIZWIZ_GOLDEN_DIR ?? path.join(here, '..', '..', 'fixtures');

export type Tensors = Map<string, { shape: readonly number[]; data: TensorData }>;

export function goldenPath(folder: string, file = ''): string {
  return path.join(goldenRoot, folder, file);
}

export function hasGolden(folder: string, files: readonly string[]): boolean {
  return files.every((f) => existsSync(goldenPath(folder, f)));
}

export async function readConfig(folder: string): Promise<GemmaConfig> {
  return gemmaConfigFromHf(JSON.parse(await readFile(goldenPath(folder, 'config.json'), 'utf8')));
}

export async function readTensors(folder: string, file: string): Promise<Tensors> {
  return readSafetensors(goldenPath(folder, file));
}

export function tensor(m: Tensors, name: string): { shape: readonly number[]; data: TensorData } {
  const t = m.get(name);
  if (!t) throw new Error(`golden tensor '${name}' is missing`);
  return t;
}

export function f32Map(m: Tensors): Map<string, Float32Array> {
  return new Map([...m].filter(([, t]) => t.data instanceof Float32Array).map(([k, t]) => [k, t.data as Float32Array]));
}

export function assertClose(name: string, got: ArrayLike<number>, expected: ArrayLike<number>, tol = outputTol(expected)): number {
  const d = maxAbsDiff(got, expected);
  assert.ok(d <= tol, `${name}: max abs diff ${d} > ${tol}`);
  return d;
}

/** Rows [from, to) of every (B, T, W) row-major batch entry: out (B, to - from, W). */
export function sliceTime(a: ArrayLike<number>, b: number, t: number, w: number, from: number, to: number): Float32Array {
  const out = new Float32Array(b * (to - from) * w);
  for (let r = 0; r < b; r++)
    for (let i = from; i < to; i++) for (let j = 0; j < w; j++) out[(r * (to - from) + i - from) * w + j] = a[(r * t + i) * w + j] as number;
  return out;
}

/** Feeds of the full-forward graph for golden `input_ids` / `attention_mask` (positions from the file, else 0..T-1). */
export function forwardFeeds(inputs: Tensors): { feeds: Record<string, Tensor>; batch: number; length: number } {
  const ids = tensor(inputs, 'input_ids');
  const [batch, length] = ids.shape as [number, number];
  const mask = inputs.get('attention_mask')?.data ?? new BigInt64Array(batch * length).fill(1n);
  const positions = (inputs.get('position_ids')?.data as BigInt64Array | undefined) ?? arangePositions(batch, length);
  const feeds: Record<string, Tensor> = {
    input_ids: Tensor.i64(ids.data as BigInt64Array, [batch, length]),
    position_ids: Tensor.i64(positions, [batch, length]),
    attention_bias: Tensor.f32(causalBias(mask as BigInt64Array, batch, length), [batch, length, length]),
  };
  return { feeds, batch, length };
}

export { absMax, maxAbsDiff, outputTol } from '../../helpers/tolerance.js';

/** Entries [0, len) of a cache tensor (B, KV, S, hd). */
export function cachePrefix(t: { shape: readonly number[]; data: unknown }, len: number): Float32Array {
  const [b, kv, s, hd] = t.shape as [number, number, number, number];
  return sliceTime(t.data as Float32Array, b * kv, s, hd, 0, len);
}

/**
 * Where the golden generation `name` (paligemma_generate) starts decoding: transformers' prefill cache (its first P
 * positions) and its first step logits, every prompt position real. Also the batch's B, n generated tokens and P.
 */
export function goldenDecodeStart(
  config: GemmaConfig,
  inputs: Tensors,
  outputs: Tensors,
  name: string,
): { start: DecodeStart; b: number; n: number; p: number } {
  const [b, n] = tensor(outputs, `${name}.generated_ids`).shape as [number, number];
  const p = tensor(inputs, `${name}.input_ids`).shape[1] as number;
  const layers = Array.from({ length: config.layers }, (_, l) => l);
  const cache = kvCacheFrom(
    config,
    b,
    p,
    layers.map((l) => cachePrefix(tensor(outputs, `${name}.past_key.${l}`), p)),
    layers.map((l) => cachePrefix(tensor(outputs, `${name}.past_value.${l}`), p)),
  );
  const stepLogits = tensor(outputs, `${name}.step_logits`).data as Float32Array; // (B, n, V)
  const logits = sliceTime(stepLogits, b, n, config.vocab, 0, 1);
  return { start: { cache, logits, keyValid: new Uint8Array(b * p).fill(1), nextPosition: new Array<number>(b).fill(p + 1) }, b, n, p };
}

/** The options the golden generations were made with: n greedy tokens, stopping at eos, step logits and cache kept. */
export function goldenGreedy(config: GemmaConfig, n: number): GreedyOptions {
  return { maxNewTokens: n, eosTokenIds: [config.eosTokenId], padTokenId: config.padTokenId, keepStepLogits: true, keepCache: true };
}
