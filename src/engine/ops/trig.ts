/** Trigonometric elementwise ops: Sin and Cos (rotary position embeddings compute their tables in-graph with them). */

import type { Value } from '../graph.js';

export const sin = (x: Value): Value => x.graph.op('Sin', [x], { dtype: x.dtype, shape: x.shape });
export const cos = (x: Value): Value => x.graph.op('Cos', [x], { dtype: x.dtype, shape: x.shape });
