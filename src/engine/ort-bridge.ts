/**
 * The only place where engine tensors meet onnxruntime's: both views share one buffer, so crossing costs nothing.
 * Internal to src/engine.
 */

import * as ort from 'onnxruntime-node';
import type { DType } from './dtype.js';
import { Tensor, type TensorData, type Tensors } from './tensor.js';

export function toOrt(t: Tensor): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data as never, t.dims as number[]);
}

function fromOrt(t: ort.Tensor): Tensor {
  return new Tensor(t.type as DType, t.data as TensorData, t.dims);
}

export function toOrtFeeds(feeds: Readonly<Tensors>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) out[name] = toOrt(t);
  return out;
}

export function fromOrtResults(results: Readonly<Record<string, ort.Tensor>>): Tensors {
  const out: Tensors = {};
  for (const [name, t] of Object.entries(results)) out[name] = fromOrt(t);
  return out;
}
