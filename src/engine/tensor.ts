/**
 * The engine's own tensor: an element type, a shape and a typed array, in row-major order. Everything outside
 * src/engine speaks this type; only the engine converts to and from onnxruntime's tensors (ort-bridge.ts), over the
 * same buffer - never a copy. Shapes are checked against the data length at construction.
 */

import type { DType } from './dtype.js';

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array;

/** Typed-array constructor expected for each element type (float16 travels as raw Uint16 bits). */
const DATA_OF: Readonly<Record<DType, string>> = {
  float32: 'Float32Array',
  float64: 'Float64Array',
  float16: 'Uint16Array',
  int64: 'BigInt64Array',
  int32: 'Int32Array',
  int8: 'Int8Array',
  uint8: 'Uint8Array',
  bool: 'Uint8Array',
};

export class Tensor {
  readonly dims: readonly number[];

  constructor(
    readonly dtype: DType,
    readonly data: TensorData,
    dims: readonly number[],
  ) {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.constructor.name !== DATA_OF[dtype]) throw new Error(`a ${dtype} tensor needs a ${DATA_OF[dtype]}, got a ${data.constructor.name}`);
    if (data.length !== n) throw new Error(`tensor of shape [${dims.join(', ')}] needs ${n} values, got ${data.length}`);
    this.dims = [...dims];
  }

  /** A float32 tensor over `data` (no copy). */
  static f32(data: Float32Array, dims: readonly number[]): Tensor {
    return new Tensor('float32', data, dims);
  }

  /** An int64 tensor over `data`, or over a fresh array of the given numbers. */
  static i64(data: BigInt64Array | ArrayLike<number>, dims: readonly number[]): Tensor {
    return new Tensor('int64', data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data), (x) => BigInt(x)), dims);
  }

  /** A float64 tensor of the given numbers (schedules, scalars). */
  static f64(values: ArrayLike<number>, dims: readonly number[]): Tensor {
    return new Tensor('float64', Float64Array.from(values), dims);
  }

  get size(): number {
    return this.data.length;
  }

  /** The same data with another shape of the same size (no copy). */
  reshape(dims: readonly number[]): Tensor {
    return new Tensor(this.dtype, this.data, dims);
  }

  /** The float32 data (throws for other element types). */
  floats(): Float32Array {
    if (!(this.data instanceof Float32Array)) throw new Error(`expected a float32 tensor, got ${this.dtype}`);
    return this.data;
  }
}

/** Named tensors: the feeds and results of a run. */
export type Tensors = Record<string, Tensor>;
