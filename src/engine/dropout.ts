/**
 * Dropout masks for training-step graphs: each dropout site is a graph input holding 0 or 1/(1-p) per element, drawn
 * here from a seeded PRNG so a run is reproducible and resumable (the mask stream depends only on the seed and the
 * step). Keeping randomness outside the graph also keeps eval graphs exactly dropout-free.
 */

import { resolveShape, type DimBindings } from './batch-dims.js';
import type { DropoutSite } from './model.js';
import type { Rng } from '../random/rng.js';
import { Tensor, type Tensors } from './tensor.js';

/** Fills `out` with an inverted-dropout mask: 0 with probability p, else 1/(1-p). */
export function fillDropoutMask(out: Float32Array, p: number, rng: Rng): void {
  const scale = 1 / (1 - p);
  const threshold = Math.floor(p * 4294967296);
  if (p === 0.5) {
    // One 32-bit draw gives 32 coin flips.
    let i = 0;
    while (i < out.length) {
      let bits = rng.nextUint32();
      const end = Math.min(out.length, i + 32);
      for (; i < end; i++) {
        out[i] = bits & 1 ? scale : 0;
        bits >>>= 1;
      }
    }
    return;
  }
  for (let i = 0; i < out.length; i++) out[i] = rng.nextUint32() >= threshold ? scale : 0;
}

/**
 * Fresh masks for every site, in site order, sized from the batch's dim bindings; `stack` > 0 adds a leading axis of
 * steps. With `reuse` (site name -> last buffer), a site's buffer of the same shape is refilled instead of allocated.
 */
export function drawDropoutMasks(sites: readonly DropoutSite[], bindings: DimBindings, rng: Rng, stack = 0, reuse?: Map<string, Tensor>): Tensors {
  const out: Tensors = {};
  for (const site of sites) {
    const shape = [...(stack > 0 ? [stack] : []), ...resolveShape(site.shape, bindings)];
    let t = reuse?.get(site.name);
    if (!t || t.dims.join('x') !== shape.join('x')) {
      t = Tensor.f32(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      reuse?.set(site.name, t);
    }
    fillDropoutMask(t.floats(), site.p, rng);
    out[site.name] = t;
  }
  return out;
}
