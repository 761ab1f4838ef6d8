/** Gemma's gated MLP: down_proj(gelu(gate_proj(x)) * up_proj(x)), gelu in its tanh form by default. (N, D) -> (N, D). */

import type { Value } from '../../engine/graph.js';
import { gelu, mul } from '../../engine/ops/index.js';
import type { GemmaConfig } from './config.js';
import { projectRows } from '../transformer/rows.js';
import type { GemmaLayerNames } from './names.js';
import type { Weights } from '../transformer/weights.js';

export function gemmaMlp(w: Weights, n: GemmaLayerNames, c: GemmaConfig, x: Value): Value {
  const gate = gelu(projectRows(w, n.gate, x), c.activation === 'tanh' ? 'tanh' : 'none'); // (N, I)
  return projectRows(w, n.down, mul(gate, projectRows(w, n.up, x))); // (N, D)
}
