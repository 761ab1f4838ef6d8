/**
 * The cos/sin caches of ONNX Runtime's RotaryEmbedding kernel for Gemma (fused inference graphs, decision 012):
 * (ROPE_CACHE_POSITIONS, hd/2) tables computed on the host as HF computes its tables, angle = position x inv_freq
 * rounded to float32 (torch's float32 product), then cos/sin rounded to the compute dtype (float16 from the float32
 * value, as HF's rotary embedding casts its float32 tables). The kernel indexes them by position id.
 */

import type { DType } from '../../engine/dtype.js';
import type { Graph, Value } from '../../engine/graph.js';
import { inverseFrequencies } from './rope.js';

/**
 * Positions the caches cover: Gemma's max_position_embeddings (8192). The kernel reads past them unchecked, so the
 * host never feeds a position beyond (PaliGemma prompts are a few hundred tokens).
 */
export const ROPE_CACHE_POSITIONS = 8192;

export interface RopeCaches {
  cos: Value; // (P, hd/2)
  sin: Value; // (P, hd/2)
}

export function ropeCaches(g: Graph, headDim: number, theta: number, dtype: DType, positions = ROPE_CACHE_POSITIONS): RopeCaches {
  const half = headDim / 2;
  const inv = inverseFrequencies(headDim, theta, dtype === 'float64' ? 'float64' : 'float32');
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * (inv[i] as number));
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos: g.floats(dtype, [positions, half], cos, 'rope_cos_cache'), sin: g.floats(dtype, [positions, half], sin, 'rope_sin_cache') };
}
