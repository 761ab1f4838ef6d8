/**
 * Decision margins, so that tests of arg-max outcomes (greedy tokens, predicted classes) assert the margin that makes
 * the outcome robust before asserting the outcome: an arg-max whose lead over the runner-up is far above the float
 * rounding of the logits (about 1e-6 here; it differs between CPUs, kernels and thread counts) is the same everywhere.
 */
import assert from 'node:assert/strict';

/** Lead of the largest entry over the second largest in row `r` of a (rows, width) matrix. */
export function topGap(logits: ArrayLike<number>, r: number, width: number): number {
  let first = -Infinity;
  let second = -Infinity;
  for (let j = r * width; j < (r + 1) * width; j++) {
    const v = logits[j] as number;
    if (Number.isNaN(v)) return -Infinity;
    if (v > first) [first, second] = [v, first];
    else if (v > second) second = v;
  }
  return first - second;
}

/** The smallest topGap over the rows of a (rows, width) matrix. */
export function minTopGap(logits: ArrayLike<number>, width: number): number {
  let m = Infinity;
  for (let r = 0; r < logits.length / width; r++) m = Math.min(m, topGap(logits, r, width));
  return m;
}

/**
 * Asserts that every row's arg-max leads by more than 2 tol, so that any logits within tol of these pick the same
 * tokens; returns the smallest lead.
 */
export function assertDecisive(label: string, logits: ArrayLike<number>, width: number, tol: number): number {
  const gap = minTopGap(logits, width);
  assert.ok(gap > 2 * tol, `${label}: the arg-max leads by only ${gap}, so logits within ${tol} of these may pick another token`);
  return gap;
}
