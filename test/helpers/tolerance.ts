/**
 * The golden tolerances (docs/decisions/005-golden-tolerances.md), shared by every golden test: float32 outputs within 1e-4 absolute, 1e-5 where
 * the values are O(1).
 */
import assert from 'node:assert/strict';

/** Largest |a - b|; Infinity when a NaN appears, so a NaN never passes a tolerance. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return Number.isNaN(m) ? Infinity : m;
}

export function absMax(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}

/** 1e-5 absolute where the values are O(1), 1e-4 otherwise. */
export function outputTol(expected: ArrayLike<number>): number {
  return absMax(expected) <= 2 ? 1e-5 : 1e-4;
}
