/**
 * Layout ops: Reshape, Transpose, Concat, Slice, Split, Squeeze, Unsqueeze, Expand, Gather, OneHot. Output shapes are
 * inferred at build time; symbolic dims pass through where the op keeps them.
 */

import type { DType } from '../dtype.js';
import type { Dim, Shape, Value } from '../graph.js';
import { normalizeAxis, showShape } from '../shape.js';

/** Reshape to `shape`; entries may be -1 (inferred) or 0 (copy the input dim), as in ONNX. */
export function reshape(x: Value, shape: readonly number[]): Value {
  const out: Dim[] = shape.map((d, i) => (d === 0 ? (x.shape[i] as Dim) : d));
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    const known = out.filter((_, i) => i !== minus);
    const inStatic = x.shape.every((d) => typeof d === 'number');
    if (inStatic && known.every((d) => typeof d === 'number')) {
      const total = (x.shape as number[]).reduce((a, b) => a * b, 1);
      out[minus] = total / (known as number[]).reduce((a, b) => a * b, 1);
    } else {
      out[minus] = `${x.name}_reshaped`;
    }
  }
  return x.graph.op('Reshape', [x, x.graph.ints(shape)], { dtype: x.dtype, shape: out });
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.rank) throw new Error(`transpose: perm [${perm.join(', ')}] does not fit ${showShape(x.shape)}`);
  const shape = perm.map((p) => x.shape[p] as Dim);
  return x.graph.op('Transpose', [x], { dtype: x.dtype, shape }, { perm: { kind: 'ints', value: perm } });
}

export function concat(xs: readonly Value[], axis: number): Value {
  const first = xs[0];
  if (!first) throw new Error('concat of no tensors');
  const a = normalizeAxis(axis, first.rank);
  let total: Dim = 0;
  for (const x of xs) {
    const d = x.shape[a] as Dim;
    total = typeof total === 'number' && typeof d === 'number' ? total + d : `concat_${a}`;
  }
  const shape = first.shape.map((d, i) => (i === a ? total : d));
  return first.graph.op('Concat', xs, { dtype: first.dtype, shape }, { axis: { kind: 'int', value: a } });
}

/** x[start:end] along `axis` (step 1); `end` past the dim is clamped like Python slicing. */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const a = normalizeAxis(axis, x.rank);
  const d = x.shape[a] as Dim;
  let size: Dim = `slice_${a}`;
  if (typeof d === 'number') {
    const s = Math.max(0, start < 0 ? start + d : start);
    const e = Math.min(d, end < 0 ? end + d : end);
    size = Math.max(0, e - s);
  }
  const g = x.graph;
  const shape = x.shape.map((dim, i) => (i === a ? size : dim));
  return g.op('Slice', [x, g.ints([start]), g.ints([end]), g.ints([a])], { dtype: x.dtype, shape });
}

/** Splits along `axis` into pieces of the given static sizes. */
export function split(x: Value, axis: number, sizes: readonly number[]): Value[] {
  const a = normalizeAxis(axis, x.rank);
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? s : d)) }));
  return x.graph.addNode('Split', [x, x.graph.ints(sizes)], outs, { axis: { kind: 'int', value: a } });
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.rank + axes.length;
  const norm = axes.map((ax) => normalizeAxis(ax, rank));
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : (x.shape[k++] as Dim));
  return x.graph.op('Unsqueeze', [x, x.graph.ints(norm)], { dtype: x.dtype, shape });
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const norm = axes.map((ax) => normalizeAxis(ax, x.rank));
  for (const a of norm) if (x.shape[a] !== 1) throw new Error(`squeeze: dim ${a} of ${showShape(x.shape)} is not 1`);
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return x.graph.op('Squeeze', [x, x.graph.ints(norm)], { dtype: x.dtype, shape });
}

/** Broadcasts `x` to `shape` (a run-time int64 shape tensor) whose build-time form is `staticShape`. */
export function expand(x: Value, shapeTensor: Value, staticShape: Shape): Value {
  return x.graph.op('Expand', [x, shapeTensor], { dtype: x.dtype, shape: staticShape });
}

/** Rows of `data` picked by integer `indices` along `axis` (an embedding lookup when axis = 0). */
export function gather(data: Value, indices: Value, axis = 0): Value {
  const a = normalizeAxis(axis, data.rank);
  const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)];
  return data.graph.op('Gather', [data, indices], { dtype: data.dtype, shape }, { axis: { kind: 'int', value: a } });
}

/** One-hot rows (.., depth) of `dtype` for integer `indices`. */
export function oneHot(indices: Value, depth: number, dtype: DType = 'float32'): Value {
  const g = indices.graph;
  const values = dtype === 'float64' ? Float64Array.of(0, 1) : Float32Array.of(0, 1);
  if (dtype !== 'float32' && dtype !== 'float64') throw new Error(`oneHot: dtype ${dtype} is not supported`);
  const v = g.constant(dtype, [2], values, 'onehot_values');
  return g.op('OneHot', [indices, g.scalar(depth, 'int64'), v], { dtype, shape: [...indices.shape, depth] }, { axis: { kind: 'int', value: -1 } });
}
