/**
 * The engine's own tensor: an element type, a shape and a typed array, in row-major order. Everything outside
 * src/engine speaks this type; only the engine converts to and from onnxruntime's tensors (ort-bridge.ts), over the
 * same buffer - never a copy. Shapes are checked against the data length at construction.
 */

import { VizWizError } from '../errors.js';
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

/** Bytes of a tensor's element data (what a copy between host and device moves). */
export function tensorBytes(dtype: DType, size: number): number {
  return size * BYTES_PER[dtype];
}

const BYTES_PER: Readonly<Record<DType, number>> = { float32: 4, float64: 8, float16: 2, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 };

/**
 * A tensor that stays in a GPU provider's memory (a session output with a device location, graph-session.ts): it can
 * be fed to further runs on the same device without a copy, but it has no host data. Reading it on the host is a
 * VizWizError (onnxruntime would end the process); `GraphSession.download` brings it to the host, `dispose` frees it.
 * Opaque outside src/engine: the handle is onnxruntime's tensor.
 */
export class DeviceTensor {
  readonly dims: readonly number[];
  private freed = false;

  constructor(
    readonly dtype: DType,
    dims: readonly number[],
    /** Internal to src/engine (ort-bridge.ts): onnxruntime's tensor. */
    readonly handle: unknown,
    private readonly free: () => void,
  ) {
    this.dims = [...dims];
    // No host data: a mistaken read (`(t as Tensor).data`, `.floats()`) is a clear error, never onnxruntime's crash.
    for (const key of ['data', 'floats']) {
      Object.defineProperty(this, key, {
        get: (): never => {
          throw new VizWizError(
            'INVALID_ARGUMENT',
            `a device-resident ${this.dtype} tensor [${this.dims.join(', ')}] has no host data: download it first (GraphSession.download / the owner's host copy)`,
          );
        },
      });
    }
  }

  get size(): number {
    return this.dims.reduce((a, b) => a * b, 1);
  }

  get disposed(): boolean {
    return this.freed;
  }

  /** Frees the device memory (once; later calls do nothing). Feeding or downloading it afterwards is an error. */
  dispose(): void {
    if (this.freed) return;
    this.freed = true;
    this.free();
  }
}

/** A tensor a run can be fed: on the host, or resident on the session's device. */
export type FeedTensor = Tensor | DeviceTensor;
export type Feeds = Record<string, FeedTensor>;
