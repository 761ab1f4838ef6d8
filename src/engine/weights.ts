/**
 * Where the weights of a graph live, decided here for every graph kind: weights that do not change between runs
 * (frozen weights; every weight of an inference graph) are fed as inputs on the CPU - an input over the caller's
 * Float32Array costs nothing there - and bound into the model as initializers on a GPU, so they are uploaded once and
 * stay on the device. A caller may override (ResNet-50 on the CPU prefers initializers: ORT pre-packs its convolution
 * weights). docs/decisions/ explains the choice.
 */

import { VizWizError } from '../errors.js';
import type { Device } from './device.js';
import { toFloat16 } from './half.js';
import type { WeightSpec } from './model.js';
import { Tensor, type Tensors } from './tensor.js';

export type WeightPlacement = 'inputs' | 'initializers';

export function placementFor(device: Device | undefined, override?: WeightPlacement): WeightPlacement {
  return override ?? ((device ?? 'cpu') === 'cpu' ? 'inputs' : 'initializers');
}

/** A weight's values: float32, float16 bits, or the uint8 codes of a quantized weight. */
export type WeightArray = Float32Array | Uint16Array | Uint8Array;

/**
 * The weights of `specs` as tensors over the caller's arrays (checked for presence, type and size; no copy), except
 * that a float16 weight given as float32 is converted once here (round to nearest even) into a new half-size array.
 */
function weightTensors(specs: readonly WeightSpec[], weights: ReadonlyMap<string, WeightArray>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const spec of specs) {
    const data = weights.get(spec.name);
    if (!data) throw new VizWizError('INVALID_CHECKPOINT', `weight '${spec.name}' is missing`);
    const dtype = spec.dtype ?? 'float32';
    // int8 codes travel as their bytes (the quantized cache stores bytes): a view, not a copy.
    const expected = dtype === 'uint8' || dtype === 'int8' ? Uint8Array : dtype === 'float16' && !(data instanceof Float32Array) ? Uint16Array : Float32Array;
    if (!(data instanceof expected)) throw new VizWizError('INVALID_CHECKPOINT', `weight '${spec.name}' must be ${dtype}, got a ${data.constructor.name}`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) {
      throw new VizWizError('INVALID_CHECKPOINT', `weight '${spec.name}' has ${data.length} values, expected ${n} ([${spec.shape.join(', ')}])`);
    }
    const typed =
      dtype === 'float16' && data instanceof Float32Array
        ? toFloat16(data)
        : dtype === 'int8'
          ? new Int8Array(data.buffer, data.byteOffset, data.length)
          : data;
    out.set(spec.name, new Tensor(dtype, typed, spec.shape));
  }
  return out;
}

/** Constant weights split by placement: tensors to bind at session creation, and feeds to pass with every run. */
export interface PlacedWeights {
  readonly initializers: ReadonlyMap<string, Tensor>;
  readonly feeds: Readonly<Tensors>;
}

/**
 * Splits by placement. Names in `mutable` are always fed: their arrays change between runs (evaluation during
 * training refreshes them in place), which a bound initializer would never see. Specs marked `bound` (quantized
 * weights) are initializers on every device: ONNX Runtime pre-packs constant MatMulNBits weights, and a fed one is
 * dequantized again on every run (~100x slower, measured).
 */
export function placeWeights(
  specs: readonly WeightSpec[],
  weights: ReadonlyMap<string, WeightArray>,
  placement: WeightPlacement,
  mutable: ReadonlySet<string> = new Set(),
): PlacedWeights {
  const initializers = new Map<string, Tensor>();
  const feeds: Tensors = {};
  const bound = new Set(specs.filter((s) => s.bound).map((s) => s.name));
  for (const [name, t] of weightTensors(specs, weights)) {
    if ((placement === 'initializers' || bound.has(name)) && !mutable.has(name)) initializers.set(name, t);
    else feeds[name] = t;
  }
  return { initializers, feeds };
}
