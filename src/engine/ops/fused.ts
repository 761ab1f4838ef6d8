/**
 * ONNX Runtime's fused inference kernels (contrib ops), which its WebGPU provider implements (one kernel per op
 * instead of the 4-10 nodes of the composed form; docs/decisions/012-fused-ops.md):
 * - SimplifiedLayerNormalization (ONNX domain, a contrib schema): x / sqrt(mean(x^2) + eps) * scale, over the last axis;
 * - SkipSimplifiedLayerNormalization / SkipLayerNormalization (com.microsoft): the residual sum s = x + skip and its
 *   RMS or Layer norm in one kernel, returning both;
 * - RotaryEmbedding (com.microsoft): rotate-half RoPE (interleaved = 0) of (B, N, S, H) by position ids, reading
 *   cos/sin caches of (max positions, H/2).
 * (MultiHeadAttention is not here: its WebGPU kernel is wrong on lavapipe from 32 queries on; decision 012.)
 * Statistics of the norms are accumulated in float32 whatever the input type. Inference graphs only: none of these ops
 * has a gradient rule (autodiff refuses them, naming the op).
 */

import type { Dim, Value } from '../graph.js';
import { showShape } from '../shape.js';
import { MICROSOFT_DOMAIN } from './quantized-matmul.js';

const INT = (value: number) => ({ kind: 'int' as const, value });
const FLOAT = (value: number) => ({ kind: 'float' as const, value });

/** The per-row statistics shape (.., 1) of x. */
function statShape(x: Value): Dim[] {
  return x.shape.map((d, i) => (i === x.rank - 1 ? 1 : d));
}

/** RMSNorm: x / sqrt(mean(x^2, -1) + eps) * scale (SimplifiedLayerNormalization). */
export function simplifiedLayerNorm(x: Value, scale: Value, eps: number): Value {
  const [y] = x.graph.addNode('SimplifiedLayerNormalization', [x, scale], [{ dtype: x.dtype, shape: x.shape }], {
    axis: INT(-1),
    epsilon: FLOAT(eps),
  });
  return y as Value;
}

/** A normed residual sum: `y` = norm(x + skip), `sum` = x + skip (the residual stream that goes on). */
export interface SkipNorm {
  y: Value;
  sum: Value;
}

function skipNorm(opType: string, x: Value, skip: Value, inputs: readonly Value[], eps: number): SkipNorm {
  if (x.dtype !== skip.dtype || x.rank !== skip.rank) throw new Error(`${opType}: ${x.toString()} and ${skip.toString()} differ`);
  const stat = statShape(x);
  // Outputs: y, mean, inv_std_var, input_skip_bias_sum; the unused statistics are emitted as '' (never computed).
  const [y, , , sum] = x.graph.addNode(
    opType,
    [x, skip, ...inputs],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: 'float32', shape: stat },
      { dtype: 'float32', shape: stat },
      { dtype: x.dtype, shape: x.shape },
    ],
    { epsilon: FLOAT(eps) },
    MICROSOFT_DOMAIN,
  );
  return { y: y as Value, sum: sum as Value };
}

/** rms(x + skip) * scale and x + skip (SkipSimplifiedLayerNormalization). */
export function skipSimplifiedLayerNorm(x: Value, skip: Value, scale: Value, eps: number): SkipNorm {
  return skipNorm('SkipSimplifiedLayerNormalization', x, skip, [scale], eps);
}

/** LayerNorm(x + skip) * gamma + beta and x + skip (SkipLayerNormalization). */
export function skipLayerNorm(x: Value, skip: Value, gamma: Value, beta: Value, eps: number): SkipNorm {
  return skipNorm('SkipLayerNormalization', x, skip, [gamma, beta], eps);
}

/**
 * Rotate-half rotary embedding of x (B, N, S, H) at `positions` (B, S) int64, with `cos` / `sin` caches of shape
 * (max positions, H/2) in x's dtype: out = x * cos + rotate_half(x) * sin, the tables indexed by position. A
 * position past the caches reads outside them (the kernel does not check): callers bound the positions.
 */
export function rotaryEmbedding(x: Value, positions: Value, cos: Value, sin: Value): Value {
  const hd = x.shape[3];
  if (x.rank !== 4 || typeof hd !== 'number') throw new Error(`rotaryEmbedding: expected (B, N, S, H) with a static H, got ${showShape(x.shape)}`);
  if (cos.rank !== 2 || cos.shape[1] !== hd / 2 || cos.dtype !== x.dtype)
    throw new Error(`rotaryEmbedding: cos cache ${cos.toString()} does not fit ${x.toString()}`);
  const [y] = x.graph.addNode('RotaryEmbedding', [x, positions, cos, sin], [{ dtype: x.dtype, shape: x.shape }], { interleaved: INT(0) }, MICROSOFT_DOMAIN);
  return y as Value;
}
