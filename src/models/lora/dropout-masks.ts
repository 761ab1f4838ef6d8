/**
 * Dropout masks of LoRA training graphs. LoRA's dropout acts on the rows entering each adapter, whose sites are shaped
 * (N, in) with N a symbolic product such as 'B*T' (decoder rows) or 'B*256' (vision rows); the engine's default
 * resolution only knows the batch, so masks are drawn here from the site shapes with B and T given.
 */

import * as ort from 'onnxruntime-node';
import type { Dim } from '../../engine/graph.js';
import type { DropoutSite } from '../../engine/model.js';
import { fillDropoutMask } from '../../engine/dropout.js';
import type { Rng } from '../../engine/rng.js';

/** A static or symbolic dim ('B', 'T', '12', 'B*T', 'B*256') with B = batch and T = length. */
export function resolveDim(d: Dim, batch: number, length: number): number {
  if (typeof d === 'number') return d;
  return d.split('*').reduce((acc, part) => {
    const p = part.trim();
    if (p === 'B') return acc * batch;
    if (p === 'T') return acc * length;
    const n = Number(p);
    if (!Number.isInteger(n)) throw new Error(`cannot size dropout mask dim '${d}'`);
    return acc * n;
  }, 1);
}

/** Fresh masks for every site of a graph, for a batch of `batch` rows of `length` tokens. */
export function dropoutMasks(sites: readonly DropoutSite[], batch: number, length: number, rng: Rng): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const s of sites) {
    const shape = s.shape.map((d) => resolveDim(d, batch, length));
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fillDropoutMask(data, s.p, rng);
    out[s.name] = new ort.Tensor('float32', data, shape);
  }
  return out;
}
