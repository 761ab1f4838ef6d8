/** Parameter initialisation from ParamSpecs with a seeded PRNG (torch-default schemes, see model.ts). */

import type { ParamSpec } from './model.js';
import { Rng } from '../random/rng.js';

/** Fresh float32 parameters; parameters are drawn in spec order from one stream, so the same seed gives the same model. */
export function initParams(specs: readonly ParamSpec[], seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const init = spec.init;
    switch (init.kind) {
      case 'constant':
        a.fill(init.value);
        break;
      case 'uniform':
        for (let i = 0; i < n; i++) a[i] = rng.uniform(-init.bound, init.bound);
        break;
      case 'normal':
        for (let i = 0; i < n; i++) a[i] = rng.normal() * init.std;
        break;
    }
    out.set(spec.name, a);
  }
  return out;
}
