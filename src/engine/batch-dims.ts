/**
 * Symbolic dimensions at run time. Batch inputs declare shapes with names ('B' for the batch, 'T' for the sequence,
 * 'M' for selected rows, 'Bi'/'Bt' for two independent batches...); a run binds each name to the size fed, checking
 * that every input agrees, and dropout sites - shaped like the activations they mask, e.g. 'B*T' or 'B*256' rows -
 * are sized from those bindings.
 */

import { VizWizError } from '../errors.js';
import type { Dim } from './graph.js';
import type { InputSpec } from './model.js';
import type { Feeds } from './tensor.js';

export type DimBindings = ReadonlyMap<string, number>;

/**
 * Checks the fed tensors against `specs` (presence, dtype, rank, static sizes, one size per symbolic name) and returns
 * the bindings. With `stack` > 0 every input carries a leading axis of that many steps (loop graphs).
 */
export function bindBatchDims(specs: readonly InputSpec[], batch: Readonly<Feeds>, stack = 0): Map<string, number> {
  const bound = new Map<string, number>();
  const boundBy = new Map<string, string>();
  const lead = stack > 0 ? 1 : 0;
  for (const spec of specs) {
    const t = batch[spec.name];
    if (!t) throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' is missing`);
    if (t.dtype !== spec.dtype) throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' is ${t.dtype}, expected ${spec.dtype}`);
    const expected = stack > 0 ? `[${stack}, ${spec.shape.join(', ')}]` : `[${spec.shape.join(', ')}]`;
    const wrongShape = (): VizWizError =>
      new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' has shape [${t.dims.join(', ')}], expected ${expected}`);
    if (t.dims.length !== spec.shape.length + lead || (stack > 0 && t.dims[0] !== stack)) throw wrongShape();
    spec.shape.forEach((d, i) => {
      const actual = t.dims[i + lead] as number;
      if (typeof d === 'number') {
        if (d !== actual) throw wrongShape();
        return;
      }
      const seen = bound.get(d);
      if (seen === undefined) {
        bound.set(d, actual);
        boundBy.set(d, spec.name);
      } else if (seen !== actual) {
        const what = d === 'B' ? 'rows' : `as dim '${d}'`;
        throw new VizWizError('INVALID_ARGUMENT', `batch input '${spec.name}' has ${actual} ${what}, '${boundBy.get(d)}' has ${seen}`);
      }
    });
  }
  return bound;
}

/** A dim's size: a number, a bound name, or a product of both ('B*T', 'B*256'). */
function resolveDim(d: Dim, bindings: DimBindings): number {
  if (typeof d === 'number') return d;
  return d.split('*').reduce((acc, part) => {
    const p = part.trim();
    const n = /^\d+$/.test(p) ? Number(p) : bindings.get(p);
    if (n === undefined)
      throw new Error(`cannot size dim '${d}': '${p}' is not bound by any batch input (bound: ${[...bindings.keys()].join(', ') || 'none'})`);
    return acc * n;
  }, 1);
}

export function resolveShape(shape: readonly Dim[], bindings: DimBindings): number[] {
  return shape.map((d) => resolveDim(d, bindings));
}
