/**
 * Report statistics: quantiles and sign-flip p-values on hand-worked examples, the exact test against a brute-force
 * enumeration in integer arithmetic, Monte Carlo estimates against exact enumeration for tiny n (sign flips and the
 * bootstrap distribution), determinism under a seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VizWizError } from '../../src/errors.js';
import { Rng } from '../../src/random/rng.js';
import { bootstrapMeanCI, bootstrapMeans, pairedComparison, quantile, signFlipTest } from '../../src/report/stats.js';

/** Brute-force two-sided sign-flip p-value of integer differences (exact integer sums). */
function bruteForceP(d: readonly number[]): number {
  const nz = d.filter((v) => v !== 0);
  const observed = Math.abs(nz.reduce((s, v) => s + v, 0));
  let hits = 0;
  for (let p = 0; p < 2 ** nz.length; p++) {
    const s = nz.reduce((acc, v, j) => acc + ((p >> j) & 1 ? -v : v), 0);
    if (Math.abs(s) >= observed) hits++;
  }
  return hits / 2 ** nz.length;
}

test('quantile interpolates linearly between order statistics (NumPy default)', () => {
  const sorted = [1, 2, 3, 4];
  assert.equal(quantile(sorted, 0), 1);
  assert.equal(quantile(sorted, 0.25), 1.75);
  assert.equal(quantile(sorted, 0.5), 2.5);
  assert.equal(quantile(sorted, 1), 4);
  assert.equal(quantile([5], 0.975), 5);
  // 1000 means: 2.5% at position 24.975, 97.5% at 974.025
  const ramp = Array.from({ length: 1000 }, (_, i) => i);
  assert.equal(quantile(ramp, 0.025), 24.975);
  assert.ok(Math.abs(quantile(ramp, 0.975) - 974.025) < 1e-9);
});

test('sign-flip test, hand-worked: d = [1, 1, 1, -1] gives 10 of 16 patterns with |sum| >= 2', () => {
  assert.deepEqual(signFlipTest([1, 1, 1, -1]), { pValue: 0.625, method: 'exact', nonZero: 4 });
  // all five agree: only the all-plus and all-minus patterns reach |sum| = 5
  assert.deepEqual(signFlipTest([1, 1, 1, 1, 1]), { pValue: 0.0625, method: 'exact', nonZero: 5 });
  // zeros are dropped: [1, 1] alone, 2 of 4 patterns
  assert.deepEqual(signFlipTest([1, 0, 0, 1]), { pValue: 0.5, method: 'exact', nonZero: 2 });
  assert.deepEqual(signFlipTest([0, 0, 0]), { pValue: 1, method: 'exact', nonZero: 0 });
  assert.deepEqual(signFlipTest([]), { pValue: 1, method: 'exact', nonZero: 0 });
});

test('exact sign-flip p equals brute-force enumeration in integers, with ties despite float rounding', () => {
  const rng = new Rng(11);
  const cases = [
    [1, 2, -3, 3],
    [3, 3, 6],
    [1, 2, 3],
    [10, -3, -3, -3, 3, 6, 9, 0],
  ];
  for (let k = 0; k < 40; k++) cases.push(Array.from({ length: 1 + rng.int(12) }, () => rng.int(21) - 10));
  for (const ints of cases) {
    // accuracies on the official grid (tenths): 0.1 + 0.2 != 0.3 in floating point, ties must still count
    const tenths = ints.map((v) => v / 10);
    assert.equal(signFlipTest(tenths).pValue, bruteForceP(ints), `d = ${ints}`);
    const thirds = ints.map((v) => v / 3);
    assert.equal(signFlipTest(thirds).pValue, bruteForceP(ints), `d = ${ints} / 3`);
  }
});

test('Monte Carlo sign-flip p approaches the exact p for tiny n, and is deterministic', () => {
  const d = [0.9, 1, -0.3, 0.6, 1, 0.9, -1, 0.3, 1, 0.6, -0.6, 1];
  const exact = signFlipTest(d);
  assert.equal(exact.method, 'exact');
  assert.equal(exact.pValue, bruteForceP(d.map((v) => Math.round(v * 10))));
  const sampled = signFlipTest(d, { exactLimit: 0, resamples: 20000, seed: 5 });
  assert.equal(sampled.method, 'monte-carlo');
  assert.ok(Math.abs(sampled.pValue - exact.pValue) < 0.01, `${sampled.pValue} vs ${exact.pValue}`);
  assert.equal(signFlipTest(d, { exactLimit: 0, resamples: 20000, seed: 5 }).pValue, sampled.pValue);
  // (1 + hits) / (B + 1): never zero
  const extreme = signFlipTest(Array<number>(40).fill(1), { resamples: 99 });
  assert.equal(extreme.method, 'monte-carlo');
  assert.equal(extreme.pValue, 0.01);
});

test('bootstrap distribution of the mean matches exact enumeration of all n^n resamples for tiny n', () => {
  const values = [0, 0.3, 1];
  const exact: number[] = [];
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) exact.push((values[a]! + values[b]! + values[c]!) / 3);
  const means = bootstrapMeans(values, { resamples: 20000, seed: 1 });
  for (const x of new Set(exact)) {
    const exactCdf = exact.filter((m) => m <= x + 1e-12).length / exact.length;
    const sampledCdf = means.filter((m) => m <= x + 1e-12).length / means.length;
    assert.ok(Math.abs(exactCdf - sampledCdf) < 0.015, `P(mean <= ${x}): ${sampledCdf} vs ${exactCdf}`);
  }
});

test('bootstrap CI: constant data gives a zero-width interval; seeded and deterministic', () => {
  assert.deepEqual(bootstrapMeanCI([0.9, 0.9, 0.9]), { mean: 0.9, lower: 0.9, upper: 0.9 });
  const values = Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 0.3 : 0));
  const a = bootstrapMeanCI(values, { seed: 4 });
  assert.deepEqual(bootstrapMeanCI(values, { seed: 4 }), a);
  assert.notDeepEqual(bootstrapMeanCI(values, { seed: 5 }), a);
  assert.ok(a.lower < a.mean && a.mean < a.upper);
  // a wider level gives a wider interval from the same resamples
  const wide = bootstrapMeanCI(values, { seed: 4, level: 0.99 });
  assert.ok(wide.lower <= a.lower && wide.upper >= a.upper);
  assert.throws(() => bootstrapMeanCI([]), VizWizError);
  assert.throws(() => bootstrapMeanCI([1], { resamples: 0 }), /resamples must be a positive integer/);
  assert.throws(() => bootstrapMeanCI([1], { level: 1 }), /level must be in/);
});

test('paired comparison, hand-worked: a = [1, 1, 0, 0.9], b = [0, 1, 0, 0.3]', () => {
  const c = pairedComparison([1, 1, 0, 0.9], [0, 1, 0, 0.3]);
  assert.equal(c.meanA, 0.725);
  assert.equal(c.meanB, 0.325);
  assert.ok(Math.abs(c.difference - 0.4) < 1e-15);
  // non-zero differences 1 and 0.6: only ++ and -- reach |sum| = 1.6
  assert.equal(c.pValue, 0.5);
  assert.equal(c.method, 'exact');
  assert.deepEqual([c.nonZero, c.aBetter, c.bBetter], [2, 2, 0]);
  // resampled means of d = [1, 0, 0, 0.6] lie in [0, 1]
  assert.ok(c.lower >= 0 && c.lower <= 0.4 && c.upper >= 0.4 && c.upper <= 1);
  assert.deepEqual(pairedComparison([1, 1, 0, 0.9], [0, 1, 0, 0.3]), c);
  assert.throws(() => pairedComparison([1], [1, 0]), /differ in length/);
});
