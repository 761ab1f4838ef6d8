/**
 * BatchNorm folding at load time: every eval-mode BatchNorm that follows a conv is merged into that conv,
 *   a = gamma / sqrt(running_var + eps),   W' = W * a (per output channel),   b' = beta - running_mean * a,
 * computed in float64 and rounded once to float32. torch's own CPU eval BatchNorm uses the same a/b' form, so the
 * folded network differs from the reference only by float32 rounding (~1e-7 relative). The result is the parameter
 * set of the folded graph: `<conv>.weight` and `<conv>.bias` for every conv (bias names reuse the conv's prefix),
 * plus `fc.weight`/`fc.bias` unchanged.
 */

import { resnetBlocks, type ResnetConfig } from './config.js';
import type { ResnetWeights } from './weights.js';

/** [conv prefix, BatchNorm prefix] pairs in module order. */
export function convBnPairs(c: ResnetConfig): [string, string][] {
  const pairs: [string, string][] = [['conv1', 'bn1']];
  for (const stage of resnetBlocks(c)) {
    for (const b of stage) {
      for (const k of [1, 2, 3]) pairs.push([`${b.prefix}.conv${k}`, `${b.prefix}.bn${k}`]);
      if (b.downsample) pairs.push([`${b.prefix}.downsample.0`, `${b.prefix}.downsample.1`]);
    }
  }
  return pairs;
}

function get(w: ResnetWeights, name: string): Float32Array {
  const t = w.tensors.get(name);
  if (!t) throw new Error(`fold: tensor '${name}' is missing`);
  return t;
}

/** The folded parameters (new arrays; the input is not modified). */
export function foldBatchNorm(w: ResnetWeights): Map<string, Float32Array> {
  const eps = w.config.bnEps;
  const out = new Map<string, Float32Array>();
  for (const [conv, bn] of convBnPairs(w.config)) {
    const weight = get(w, `${conv}.weight`); // (O, C, kh, kw)
    const gamma = get(w, `${bn}.weight`);
    const beta = get(w, `${bn}.bias`);
    const mean = get(w, `${bn}.running_mean`);
    const variance = get(w, `${bn}.running_var`);
    const channels = gamma.length;
    const per = weight.length / channels;
    const folded = new Float32Array(weight.length);
    const bias = new Float32Array(channels);
    for (let o = 0; o < channels; o++) {
      const a = (gamma[o] as number) / Math.sqrt((variance[o] as number) + eps);
      for (let i = o * per; i < (o + 1) * per; i++) folded[i] = (weight[i] as number) * a;
      bias[o] = (beta[o] as number) - (mean[o] as number) * a;
    }
    out.set(`${conv}.weight`, folded);
    out.set(`${conv}.bias`, bias);
  }
  if (w.config.numClasses > 0) {
    out.set('fc.weight', get(w, 'fc.weight'));
    out.set('fc.bias', get(w, 'fc.bias'));
  }
  return out;
}
