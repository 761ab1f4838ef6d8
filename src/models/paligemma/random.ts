/**
 * Random PaliGemma weights of any size (benchmarks at the real 3B size, smoke tests): matrices and embeddings from a
 * seeded pool of N(0, std^2) values copied in at random offsets - memcpy speed, so 2.9e9 parameters take seconds, not
 * minutes - LayerNorm weights 1 and biases 0, Gemma's RMSNorm weights 0 (identity), other biases 0.
 */

import { Rng } from '../../random/rng.js';
import type { PaliGemmaConfig } from './config.js';
import { LEGACY_PREFIXES, paligemmaParamSpecs, type PaliGemmaPrefixes } from './names.js';

const POOL = 1 << 20;

export function randomPaligemmaWeights(c: PaliGemmaConfig, p: PaliGemmaPrefixes = LEGACY_PREFIXES, seed = 0, std = 0.02): Map<string, Float32Array> {
  return new Map(randomPaligemmaTensors(c, p, seed, std));
}

/** The same tensors one at a time, so a caller can convert each (e.g. quantize it) without holding them all. */
export function* randomPaligemmaTensors(c: PaliGemmaConfig, p: PaliGemmaPrefixes = LEGACY_PREFIXES, seed = 0, std = 0.02): Generator<[string, Float32Array]> {
  const rng = new Rng(seed);
  const pool = Float32Array.from({ length: 2 * POOL }, () => rng.normal() * std);
  for (const spec of paligemmaParamSpecs(c, p)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const isLayerNorm = !spec.name.startsWith(p.text) && /norm\d?\.weight$/u.test(spec.name); // SigLIP's LayerNorms
    if (isLayerNorm) a.fill(1);
    else if (spec.shape.length >= 2) {
      for (let i = 0; i < n; i += POOL) {
        const start = Math.floor(rng.uniform(0, POOL));
        a.set(pool.subarray(start, start + Math.min(POOL, n - i)), i);
      }
    }
    yield [spec.name, a];
  }
}
