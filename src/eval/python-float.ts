/**
 * Python's float arithmetic as the official evaluation uses it, so reported numbers agree to the last printed digit:
 * `round(x, n)` (correctly rounded from the exact binary value, ties to even, unlike `toFixed`, which rounds ties up)
 * and the built-in `sum()` of a list of floats (left to right from 0, as in CPython 3.11 and earlier; CPython 3.12
 * switched to compensated summation, which can differ in the last bit).
 */

/** Python `round(x, ndigits)` for finite `x` and 0 <= ndigits <= 20. */
export function pyRound(x: number, ndigits: number): number {
  const magnitude = Math.abs(x);
  if (!Number.isFinite(x) || magnitude >= 1e21) return x;
  // toFixed rounds the exact binary value half-up; only an exact decimal tie needs correcting to even.
  let digits = BigInt(magnitude.toFixed(ndigits).replace('.', ''));
  if (isExactTie(magnitude, ndigits) && digits % 2n === 1n) digits -= 1n;
  const value = Number(`${digits}e-${ndigits}`);
  return x < 0 || Object.is(x, -0) ? -value : value;
}

/** True when `magnitude` lies exactly halfway between two multiples of 10^-ndigits. */
function isExactTie(magnitude: number, ndigits: number): boolean {
  // Every double has a finite decimal expansion; toFixed(100) is exact for magnitudes >= 2^-47, and smaller values
  // cannot be ties at ndigits <= 20 unless they are 0-ish, which rounds to 0 either way.
  const exact = magnitude.toFixed(100);
  const dot = exact.indexOf('.');
  const tail = exact.slice(dot + 1 + ndigits);
  return /^50*$/.test(tail);
}

/** Python `sum(values)` over floats (CPython <= 3.11): plain left-to-right addition starting from 0. */
export function pySum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
