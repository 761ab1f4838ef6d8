/**
 * GatherElements: out[i][j] = data[i][indices[i][j]] along `axis` (the other axes index alike). Picks one entry per
 * row - e.g. the log-probability of each row's label - without a dense one-hot tensor.
 */

import type { Value } from '../graph.js';
import { normalizeAxis, showShape } from '../shape.js';

export function gatherElements(data: Value, indices: Value, axis: number): Value {
  if (data.rank !== indices.rank) throw new Error(`gatherElements: data ${showShape(data.shape)} and indices ${showShape(indices.shape)} differ in rank`);
  const a = normalizeAxis(axis, data.rank);
  return data.graph.op('GatherElements', [data, indices], { dtype: data.dtype, shape: indices.shape }, { axis: { kind: 'int', value: a } });
}
