/**
 * Products with a quantized weight, inference only. `quantizedMatMul` picks the kernel the scheme was made for:
 * - MatMulNBits (ONNX Runtime's com.microsoft contrib op): x (.., K) @ W.T with W [N, K] block-quantized
 * (block-quantize.ts layout: packed codes, scales, optional zero points) -> (.., N). Inference only: the op has no
 * gradient rule (grad/registry.ts says so when a training graph reaches it). `accuracyLevel` 4 lets ORT's CPU kernel
 * quantize the activations to int8 per block and use integer dot products; it is the fast path for both 4- and 8-bit
 * weights when the weights are constant initializers (ORT pre-packs them at session creation).
 * - per-row int8 (`matMulInt8Rows`), for per-channel schemes: each row of x is quantized symmetrically to 8 bits at
 *   run time (scale = its absmax / 127, codes shifted by 128 into uint8), multiplied with MatMulInteger by the int8
 *   weight [K, N] (ORT's integer GEMM, pre-packed), and the int32 sums scaled back by the row and column scales.
 */

import type { Dim, Value } from '../graph.js';
import type { QuantScheme } from '../block-quantize.js';
import type { Value as GraphValue } from '../graph.js';
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

const INT = (value: number) => ({ kind: 'int' as const, value });
const ONNX_UINT8 = 2;
const ONNX_FLOAT = 1;

/** x (.., K) @ W.T for a per-channel int8 weight: activations quantized per row, integer GEMM, scales applied. */
export function matMulInt8Rows(x: Value, w: QuantizedWeightValues): Value {
  if (!w.scheme.channels) throw new Error('matMulInt8Rows: the weight is not per-channel int8');
  const g = x.graph;
  const rowShape = [...x.shape.slice(0, -1), 1];
  const outShape = [...x.shape.slice(0, -1), w.n];
  const op = (type: string, inputs: GraphValue[], dtype: Value['dtype'], shape: readonly Dim[], attrs = {}): Value =>
    g.addNode(type, inputs, [{ dtype, shape: [...shape] }], attrs)[0] as Value;
  const absMax = op('ReduceMax', [op('Abs', [x], 'float32', x.shape), g.ints([-1])], 'float32', rowShape, { keepdims: INT(1) });
  // A row of zeros gets a tiny scale (codes 0) instead of a division by zero.
  const scale = op('Max', [op('Div', [absMax, g.scalar(127, 'float32')], 'float32', rowShape), g.scalar(1e-30, 'float32')], 'float32', rowShape);
  const shifted = op('Add', [op('Round', [op('Div', [x, scale], 'float32', x.shape)], 'float32', x.shape), g.scalar(128, 'float32')], 'float32', x.shape);
  const codes = op('Cast', [shifted], 'uint8', x.shape, { to: INT(ONNX_UINT8) });
  const sums = op('MatMulInteger', [codes, w.packed, g.constant('uint8', [], Uint8Array.from([128]))], 'int32', outShape);
  const float = op('Cast', [sums], 'float32', outShape, { to: INT(ONNX_FLOAT) });
  return op('Mul', [op('Mul', [float, scale], 'float32', outShape), w.scales], 'float32', outShape);
}

/** x (.., K) @ W.T with the kernel of W's scheme. */
export function quantizedMatMul(x: Value, w: QuantizedWeightValues): Value {
  return w.scheme.channels ? matMulInt8Rows(x, w) : matMulNBits(x, w);
}
