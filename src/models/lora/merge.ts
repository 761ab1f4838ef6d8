/**
 * Folds adapters into the base weights: W <- W + scaling * B @ A for every adapted module (what PEFT's
 * merge_and_unload does), so inference runs the plain model at no extra cost. By default a merged copy of each
 * touched weight is returned beside the untouched ones; `inPlace` overwrites the base arrays instead (no extra
 * memory - the right choice for a 3B model loaded only to serve). Sums are accumulated in float64.
 */

import { VizWizError } from '../../errors.js';
import type { LoraSet } from './adapters.js';
import { loraScaling } from './config.js';
import { loraAName, loraBName } from './names.js';

export function mergeAdapters(
  weights: ReadonlyMap<string, Float32Array>,
  set: LoraSet,
  tensors: ReadonlyMap<string, Float32Array>,
  o: { inPlace?: boolean } = {},
): Map<string, Float32Array> {
  const out = new Map(weights);
  const scaling = loraScaling(set.config);
  const r = set.config.r;
  for (const m of set.modules) {
    const name = `${m.module}.weight`;
    const base = weights.get(name);
    const a = tensors.get(loraAName(m.module)); // (r, in)
    const b = tensors.get(loraBName(m.module)); // (out, r)
    if (!base || !a || !b) throw new VizWizError('INVALID_ARGUMENT', `cannot merge '${m.module}': base weight or adapter tensors missing`);
    const [nIn, nOut] = [m.inFeatures, m.outFeatures];
    if (base.length !== nIn * nOut || a.length !== r * nIn || b.length !== nOut * r)
      throw new VizWizError('INVALID_ARGUMENT', `cannot merge '${m.module}': sizes do not fit`);
    const w = o.inPlace ? base : base.slice();
    const row = new Float64Array(nIn);
    for (let i = 0; i < nOut; i++) {
      row.fill(0);
      for (let k = 0; k < r; k++) {
        const bik = (b[i * r + k] as number) * scaling;
        if (bik === 0) continue;
        const off = k * nIn;
        for (let j = 0; j < nIn; j++) row[j] = (row[j] as number) + bik * (a[off + j] as number);
      }
      const off = i * nIn;
      for (let j = 0; j < nIn; j++) w[off + j] = (w[off + j] as number) + (row[j] as number);
    }
    out.set(name, w);
  }
  return out;
}
