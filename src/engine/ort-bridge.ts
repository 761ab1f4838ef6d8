/**
 * The only place where engine tensors meet onnxruntime's: both views share one buffer, so crossing costs nothing.
 * Internal to src/engine.
 */

import * as ort from 'onnxruntime-node';
import type { DType } from './dtype.js';
import { VizWizError } from '../errors.js';
import { DeviceTensor, Tensor, type FeedTensor, type Feeds, type TensorData, type Tensors } from './tensor.js';

export function toOrt(t: FeedTensor): ort.Tensor {
  if (t instanceof DeviceTensor) {
    if (t.disposed) throw new VizWizError('INVALID_ARGUMENT', `a device-resident tensor [${t.dims.join(', ')}] was disposed and cannot be fed`);
    return t.handle as ort.Tensor;
  }
  return new ort.Tensor(t.dtype, t.data as never, t.dims as number[]);
}

/** An output onnxruntime left on the device, wrapped so that it is never read on the host (getData ends the process). */
export function fromOrtResident(t: ort.Tensor): DeviceTensor {
  return new DeviceTensor(t.type as DType, t.dims, t, () => t.dispose());
}

/** Whether onnxruntime returned `t` in device memory (anything but 'cpu' / 'cpu-pinned'). */
export function isResident(t: ort.Tensor): boolean {
  return t.location !== 'cpu' && t.location !== 'cpu-pinned';
}

function fromOrt(t: ort.Tensor): Tensor {
  return new Tensor(t.type as DType, t.data as TensorData, t.dims);
}

export function toOrtFeeds(feeds: Readonly<Feeds>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) out[name] = toOrt(t);
  return out;
}

export function fromOrtResults(results: Readonly<Record<string, ort.Tensor>>): Tensors {
  const out: Tensors = {};
  for (const [name, t] of Object.entries(results)) {
    if (isResident(t)) throw new Error(`output '${name}' is device-resident: GraphSession.runResident returns it`);
    out[name] = fromOrt(t);
  }
  return out;
}
