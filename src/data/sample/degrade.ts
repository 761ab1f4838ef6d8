/**
 * The camera: how each synthetic photo is taken. Answerable photos get ordinary capture (mild exposure
 * changes, sensor noise, sometimes a touch of blur). Unanswerable ones get one strong VizWiz-style defect:
 * heavy blur, near-darkness, or bad framing (the subject pushed mostly out of the frame).
 */

import type { Rng } from '../../random/rng.js';
import type { Capture } from './scene.js';

const DEFECTS = ['blur', 'dark', 'framing'] as const;
export type Defect = (typeof DEFECTS)[number];
export type Degradation = 'none' | Defect;

/** Ordinary capture for an answerable photo. */
function ordinary(rng: Rng, size: number): Capture {
  return {
    offset: [0, 0],
    lighting: rng.uniform(0.88, 1.04),
    noiseSigma: rng.uniform(2, 5),
    blurSigma: rng.chance(0.25) ? rng.uniform(0.3, 0.8) * (size / 96) : 0,
    quality: rng.between(72, 92),
  };
}

/** Capture settings for a photo with the given degradation. */
export function captureFor(degradation: Degradation, rng: Rng, size: number): Capture {
  const base = ordinary(rng, size);
  switch (degradation) {
    case 'none':
      return base;
    case 'blur':
      return { ...base, blurSigma: rng.uniform(3.2, 5.5) * (size / 96) };
    case 'dark':
      return { ...base, lighting: rng.uniform(0.05, 0.13), noiseSigma: rng.uniform(1.5, 3) };
    case 'framing': {
      const angle = (rng.between(0, 7) * Math.PI) / 4 + rng.uniform(-0.2, 0.2);
      // Scaled so the larger component is `reach`: the subject's centre always lands outside the frame.
      const reach = rng.uniform(0.6, 0.76) * size;
      const norm = Math.max(Math.abs(Math.cos(angle)), Math.abs(Math.sin(angle)));
      return { ...base, offset: [(Math.cos(angle) / norm) * reach, (Math.sin(angle) / norm) * reach] };
    }
  }
}
