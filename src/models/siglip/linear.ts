/**
 * torch.nn.Linear with bias over 2-D rows, by module name: x (N, in) @ `<module>.weight`.T + `<module>.bias` as one
 * Gemm (transB, bias as C), then the Weights' Linear hook (LoRA) when it has one.
 */

import type { Value } from '../../engine/graph.js';
import { gemm } from '../../engine/ops/index.js';
import type { Weights } from '../gemma/weights-source.js';

export function projectRowsBias(w: Weights, module: string, x: Value): Value {
  const y = gemm(x, w(`${module}.weight`), w(`${module}.bias`), { transB: true }); // (N, out)
  return w.adapt ? w.adapt(module, x, y) : y;
}
