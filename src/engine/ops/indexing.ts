/**
 * Index ops that sequence models need at inference: ArgMax (first maximum, as torch.argmax), GatherND with batch dims
 * (pick one row per batch entry: CLIP's end-of-text pooling), and Slice with run-time bounds (the first T rows of a
 * position table when the sequence length T is only known at run time).
 * INFERENCE ONLY: none of these has a gradient rule (grad/registry.ts), so a graph differentiating through them fails at
 * build time; the index inputs are integers anyway.
 */

import type { Dim, Value } from '../graph.js';
import { normalizeAxis, showShape } from '../shape.js';

/** Index of the largest entry along `axis` (int64); ties go to the FIRST maximum, as torch.argmax. */
export function argMax(x: Value, axis: number, keepdims = false): Value {
  const a = normalizeAxis(axis, x.rank);
  const shape = keepdims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
  return x.graph.op(
    'ArgMax',
    [x],
    { dtype: 'int64', shape },
    {
      axis: { kind: 'int', value: a },
      keepdims: { kind: 'int', value: keepdims ? 1 : 0 },
      select_last_index: { kind: 'int', value: 0 },
    },
  );
}

/**
 * ONNX GatherND: `indices` (b..., k) int64 address slices of `data` (b..., d_0, .., d_r) after its first `batchDims`
 * axes; the output is (b..., indices.shape[batchDims:-1]..., d_k, ..).
 * E.g. data (B, T, D), indices (B, 1), batchDims 1 -> (B, D): row indices[b] of data[b].
 */
export function gatherND(data: Value, indices: Value, batchDims = 0): Value {
  const k = indices.shape[indices.rank - 1];
  if (typeof k !== 'number') throw new Error(`gatherND: the last dim of indices ${showShape(indices.shape)} must be static`);
  if (batchDims + k > data.rank) throw new Error(`gatherND: ${k} index dims after ${batchDims} batch dims do not fit ${showShape(data.shape)}`);
  const shape: Dim[] = [...indices.shape.slice(0, -1), ...data.shape.slice(batchDims + k)];
  return data.graph.op('GatherND', [data, indices], { dtype: data.dtype, shape }, { batch_dims: { kind: 'int', value: batchDims } });
}

/**
 * x[starts:ends] along `axes` with bounds given as 1-D int64 graph values (one entry per axis), e.g. read from Shape at
 * run time. Each sliced dim becomes `size` (a symbolic name unless given).
 */
export function sliceDynamic(x: Value, starts: Value, ends: Value, axes: readonly number[], size: readonly Dim[] = []): Value {
  const norm = axes.map((a) => normalizeAxis(a, x.rank));
  const shape = x.shape.map((d, i) => {
    const k = norm.indexOf(i);
    return k < 0 ? d : (size[k] ?? `${x.name}_slice${i}`);
  });
  return x.graph.op('Slice', [x, starts, ends, x.graph.ints(norm)], { dtype: x.dtype, shape });
}
