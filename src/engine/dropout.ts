/**
 * Dropout masks for training-step graphs: each dropout site is a graph input holding 0 or 1/(1-p) per element, drawn
 * here from a seeded PRNG so a run is reproducible and resumable (the mask stream depends only on the seed and the
 * step). Keeping randomness outside the graph also keeps eval graphs exactly dropout-free.
 */

import type { DropoutSite } from './model.js';
import { Rng } from './rng.js';

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

/** Resolves a site's shape for a batch of `batch` rows ('B' and any other symbolic dim = batch). */
export function siteShape(site: DropoutSite, batch: number): number[] {
  return site.shape.map((d) => (typeof d === 'number' ? d : batch));
}
