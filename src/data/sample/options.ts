/**
 * Options of the sample generator: defaults, validation (user-facing `VizWizError`s) and the split sizing
 * rule (~70/15/15, every split non-empty and, once n allows, at least 4 questions so all four answer types fit).
 */

import { VizWizError } from '../../errors.js';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export interface SampleOptions {
  /** Output folder (created if missing). */
  out: string;
  /** Total number of questions over the three splits (integer >= 4). Default 300. */
  n?: number;
  /** Seed: same seed, byte-identical output. Any safe integer. Default 0. */
  seed?: number;
  /** Write the official zip layout (Annotations.zip, train.zip, val.zip, test.zip) instead of folders. */
  zip?: boolean;
  /** Relative split sizes. Default 0.7 / 0.15 / 0.15. */
  ratios?: Partial<SplitRatios>;
  /** Width and height of the square images in pixels (64-512). Default 96. */
  imageSize?: number;
  /** Images encoded at once. Default 8. */
  concurrency?: number;
}

export type ResolvedSampleOptions = Required<Omit<SampleOptions, 'ratios'>> & { ratios: SplitRatios };

export const SAMPLE_DEFAULTS = {
  n: 300,
  seed: 0,
  zip: false,
  ratios: { train: 0.7, val: 0.15, test: 0.15 } as SplitRatios,
  imageSize: 96,
  concurrency: 8,
} as const;

export const MIN_QUESTIONS = 4;

function invalid(message: string): VizWizError {
  return new VizWizError('INVALID_ARGUMENT', message);
}

/** Fills defaults and validates; throws `VizWizError('INVALID_ARGUMENT')` on bad values. */
export function resolveSampleOptions(options: SampleOptions): ResolvedSampleOptions {
  const n = options.n ?? SAMPLE_DEFAULTS.n;
  if (!Number.isInteger(n) || n < MIN_QUESTIONS) throw invalid(`n must be an integer >= ${MIN_QUESTIONS}, got ${String(n)}`);
  const seed = options.seed ?? SAMPLE_DEFAULTS.seed;
  if (!Number.isSafeInteger(seed)) throw invalid(`seed must be an integer, got ${String(seed)}`);
  const imageSize = options.imageSize ?? SAMPLE_DEFAULTS.imageSize;
  if (!Number.isInteger(imageSize) || imageSize < 64 || imageSize > 512) {
    throw invalid(`imageSize must be an integer from 64 to 512, got ${String(imageSize)}`);
  }
  const concurrency = options.concurrency ?? SAMPLE_DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw invalid(`concurrency must be an integer >= 1, got ${String(concurrency)}`);
  const ratios: SplitRatios = { ...SAMPLE_DEFAULTS.ratios, ...options.ratios };
  for (const split of SPLITS) {
    const r = ratios[split];
    if (!Number.isFinite(r) || r <= 0) throw invalid(`split ratio for ${split} must be a positive number, got ${String(r)}`);
  }
  if (typeof options.out !== 'string' || options.out === '') throw invalid('out must be a non-empty folder path');
  return { out: options.out, n, seed, zip: options.zip ?? SAMPLE_DEFAULTS.zip, ratios, imageSize, concurrency };
}

/**
 * Questions per split: proportional to the ratios (largest remainder), then topped up so each split has at
 * least min(4, floor(n / 3)) questions, taking from the largest split. n = 20 gives 12 / 4 / 4.
 */
export function splitSizes(n: number, ratios: SplitRatios = SAMPLE_DEFAULTS.ratios): Record<Split, number> {
  const total = ratios.train + ratios.val + ratios.test;
  const exact = SPLITS.map((s) => (n * ratios[s]) / total);
  const sizes = exact.map(Math.floor);
  let left = n - sizes.reduce((a, b) => a + b, 0);
  const byRemainder = [0, 1, 2].sort((a, b) => (exact[b] ?? 0) - (sizes[b] ?? 0) - ((exact[a] ?? 0) - (sizes[a] ?? 0)) || a - b);
  for (const i of byRemainder) {
    if (left <= 0) break;
    sizes[i] = (sizes[i] ?? 0) + 1;
    left--;
  }
  const floor = Math.min(4, Math.floor(n / 3));
  for (let i = 0; i < 3; i++) {
    while ((sizes[i] ?? 0) < floor) {
      const donor = [0, 1, 2].reduce((best, j) => ((sizes[j] ?? 0) > (sizes[best] ?? 0) ? j : best), 0);
      sizes[donor] = (sizes[donor] ?? 0) - 1;
      sizes[i] = (sizes[i] ?? 0) + 1;
    }
  }
  return { train: sizes[0] ?? 0, val: sizes[1] ?? 0, test: sizes[2] ?? 0 };
}
