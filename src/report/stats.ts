/**
 * Statistics of a comparison, over per-question accuracies (fractions in [0, 1]); seeded and deterministic.
 *
 * - Confidence interval of a mean accuracy: percentile bootstrap over questions. B resamples of n questions drawn with
 *   replacement (the project's sfc32 `Rng`, seeded), the mean of each, and the (1 - level)/2 and (1 + level)/2
 *   quantiles of those B means, interpolated linearly between order statistics (NumPy's default `np.quantile`,
 *   "type 7": position q * (B - 1) in the sorted means).
 * - Paired comparison of two models on the same questions, from the differences d_i = a_i - b_i:
 *   the difference of means; its percentile bootstrap CI (questions resampled as above, so pairs stay together); and a
 *   two-sided p-value from a paired sign-flip (permutation) test. Under the null hypothesis the two models are
 *   exchangeable on each question, so each d_i is as likely to be +|d_i| as -|d_i|; the statistic is |sum d_i| and
 *   p = P(|sum s_i d_i| >= |sum d_i|) over independent random signs s_i. Questions with d_i = 0 cannot change the
 *   statistic, so with m non-zero differences and m <= `exactLimit` (default 20) all 2^m sign patterns are enumerated
 *   and p is exact (a multiple of 2^-m); otherwise p is estimated from B random sign patterns as
 *   (1 + hits) / (B + 1), which is never 0 and is a valid p-value (Phipson & Smyth 2010). Sums are compared with an
 *   absolute tolerance of 1e-9 * max(1, m), so sign patterns whose sum ties the observed one in exact arithmetic
 *   count as hits despite floating-point rounding. No adjustment for multiple comparisons is made.
 * The same seed gives every model and every pair the same resampled questions (common random numbers).
 */
import { Rng } from '../random/rng.js';
import { VizWizError } from '../errors.js';

export interface StatsOptions {
  /** Bootstrap resamples, and random sign patterns of the sign-flip test when it is not exact (default 1000). */
  resamples?: number;
  /** Seed of the resampling (default 0). */
  seed?: number;
  /** Confidence level of the intervals (default 0.95). */
  level?: number;
  /** Largest number of non-zero paired differences whose sign patterns are enumerated exactly (default 20). */
  exactLimit?: number;
}

export const DEFAULT_STATS: Required<StatsOptions> = { resamples: 1000, seed: 0, level: 0.95, exactLimit: 20 };

export interface Interval {
  lower: number;
  upper: number;
}

export interface MeanWithInterval extends Interval {
  mean: number;
}

export type SignFlipMethod = 'exact' | 'monte-carlo';

export interface SignFlipResult {
  pValue: number;
  method: SignFlipMethod;
  /** Questions where the two models' accuracies differ. */
  nonZero: number;
}

export interface PairedComparison extends SignFlipResult, Interval {
  meanA: number;
  meanB: number;
  /** mean(a - b). */
  difference: number;
  /** Questions where a scores higher, and where b does. */
  aBetter: number;
  bBetter: number;
}

function resolve(options: StatsOptions): Required<StatsOptions> {
  const o = { ...DEFAULT_STATS, ...options };
  if (!Number.isInteger(o.resamples) || o.resamples < 1) {
    throw new VizWizError('INVALID_ARGUMENT', `resamples must be a positive integer, got ${o.resamples}`);
  }
  if (!(o.level > 0 && o.level < 1)) throw new VizWizError('INVALID_ARGUMENT', `level must be in (0, 1), got ${o.level}`);
  return o;
}

function checkValues(values: readonly number[]): void {
  if (values.length === 0) throw new VizWizError('INVALID_ARGUMENT', 'no values to summarise');
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** The q-quantile of ascending `sorted` values, linear interpolation between order statistics (NumPy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new VizWizError('INVALID_ARGUMENT', 'quantile of no values');
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo]!;
  return a + (pos - lo) * (sorted[hi]! - a);
}

/** The means of `resamples` bootstrap resamples of `values`, in draw order. */
export function bootstrapMeans(values: readonly number[], options: StatsOptions = {}): Float64Array {
  checkValues(values);
  const { resamples, seed } = resolve(options);
  const n = values.length;
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)]!;
    means[b] = s / n;
  }
  return means;
}

function percentileInterval(means: Float64Array, level: number): Interval {
  const sorted = Float64Array.from(means).sort();
  return { lower: quantile(sorted, (1 - level) / 2), upper: quantile(sorted, (1 + level) / 2) };
}

/** The mean of `values` and its percentile bootstrap confidence interval. */
export function bootstrapMeanCI(values: readonly number[], options: StatsOptions = {}): MeanWithInterval {
  const o = resolve(options);
  return { mean: mean(values), ...percentileInterval(bootstrapMeans(values, o), o.level) };
}

function tolerance(m: number): number {
  return 1e-9 * Math.max(1, m);
}

/** Sums of every sign pattern of `d` (bit j set = d[j] negated), each computed directly from its terms. */
function patternSums(d: readonly number[]): Float64Array {
  const sums = new Float64Array(2 ** d.length);
  for (let p = 0; p < sums.length; p++) {
    let s = 0;
    for (let j = 0; j < d.length; j++) s += p & (1 << j) ? -d[j]! : d[j]!;
    sums[p] = s;
  }
  return sums;
}

/** Exact two-sided sign-flip p-value over all 2^m sign patterns of the non-zero differences `d`. */
function exactSignFlip(d: readonly number[]): number {
  const m = d.length;
  if (m === 0) return 1;
  const observed = Math.abs(d.reduce((s, v) => s + v, 0)) - tolerance(m);
  // Split into a low table (<= 10 terms) and high patterns, so no sum accumulates rounding over many updates.
  const lowBits = Math.min(m, 10);
  const low = patternSums(d.slice(0, lowBits));
  const high = patternSums(d.slice(lowBits));
  let hits = 0;
  for (const h of high) for (const l of low) if (Math.abs(h + l) >= observed) hits++;
  return hits / 2 ** m;
}

/** Monte Carlo sign-flip p-value (1 + hits) / (B + 1). */
function sampledSignFlip(d: readonly number[], resamples: number, seed: number): number {
  const m = d.length;
  const observed = Math.abs(d.reduce((s, v) => s + v, 0)) - tolerance(m);
  const rng = new Rng(seed);
  let hits = 0;
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    let bits = 0;
    for (let j = 0; j < m; j++) {
      if (j % 32 === 0) bits = rng.nextUint32();
      s += bits & (1 << (j % 32)) ? -d[j]! : d[j]!;
    }
    if (Math.abs(s) >= observed) hits++;
  }
  return (1 + hits) / (resamples + 1);
}

/** Two-sided paired sign-flip test of paired differences (zeros are dropped: they cannot change the statistic). */
export function signFlipTest(differences: readonly number[], options: StatsOptions = {}): SignFlipResult {
  const o = resolve(options);
  const d = differences.filter((v) => v !== 0);
  if (d.length <= o.exactLimit) return { pValue: exactSignFlip(d), method: 'exact', nonZero: d.length };
  return { pValue: sampledSignFlip(d, o.resamples, o.seed), method: 'monte-carlo', nonZero: d.length };
}

/** Paired comparison of per-question accuracies `a` and `b` (same questions, same order). */
export function pairedComparison(a: readonly number[], b: readonly number[], options: StatsOptions = {}): PairedComparison {
  checkValues(a);
  if (a.length !== b.length) {
    throw new VizWizError('INVALID_ARGUMENT', `paired values differ in length (${a.length} and ${b.length})`);
  }
  const o = resolve(options);
  const d = a.map((v, i) => v - b[i]!);
  return {
    meanA: mean(a),
    meanB: mean(b),
    difference: mean(d),
    ...percentileInterval(bootstrapMeans(d, o), o.level),
    ...signFlipTest(d, o),
    aBetter: d.filter((v) => v > 0).length,
    bBetter: d.filter((v) => v < 0).length,
  };
}
