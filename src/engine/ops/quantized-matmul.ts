/**
 * MatMulNBits (ONNX Runtime's com.microsoft contrib op): x (.., K) @ W.T with W [N, K] block-quantized
 * (block-quantize.ts layout: packed codes, scales, optional zero points) -> (.., N). Inference only: the op has no
 * gradient rule (grad/registry.ts says so when a training graph reaches it). `accuracyLevel` 4 lets ORT's CPU kernel
 * quantize the activations to int8 per block and use integer dot products; it is the fast path for both 4- and 8-bit
 * weights when the weights are constant initializers (ORT pre-packs them at session creation).
 */

import type { Dim, Value } from '../graph.js';
import type { QuantScheme } from '../block-quantize.js';
import { showShape } from '../shape.js';

export const MICROSOFT_DOMAIN = 'com.microsoft';

/** The graph values of one quantized [N, K] weight. */
export interface QuantizedWeightValues {
  readonly scheme: QuantScheme;
  readonly n: number;
  readonly k: number;
  readonly packed: Value; // uint8 [N, blocks, blob]
  readonly scales: Value; // float32 [N * blocks]
  readonly zeroPoints: Value | null; // uint8, asymmetric only
}

/** ORT's compute precision for the products: 0 = as the input type, 4 = int8 activations (the fast CPU path). */
export const INT8_ACCURACY_LEVEL = 4;

export function matMulNBits(x: Value, w: QuantizedWeightValues, accuracyLevel = INT8_ACCURACY_LEVEL): Value {
  const inner = x.shape[x.rank - 1] as Dim;
  if (x.rank < 2) throw new Error(`matMulNBits: the input must be at least 2-D, got ${showShape(x.shape)}`);
  if (typeof inner === 'number' && inner !== w.k) throw new Error(`matMulNBits: input ${showShape(x.shape)} does not end in K = ${w.k}`);
  const inputs = w.zeroPoints ? [x, w.packed, w.scales, w.zeroPoints] : [x, w.packed, w.scales];
  const [y] = x.graph.addNode(
    'MatMulNBits',
    inputs,
    [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), w.n] }],
    {
      K: { kind: 'int', value: w.k },
      N: { kind: 'int', value: w.n },
      bits: { kind: 'int', value: w.scheme.bits },
      block_size: { kind: 'int', value: w.scheme.blockSize },
      accuracy_level: { kind: 'int', value: accuracyLevel },
    },
    MICROSOFT_DOMAIN,
  );
  return y as Value;
}
