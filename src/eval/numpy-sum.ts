/**
 * NumPy's `np.sum` of a contiguous float64 vector, bit for bit: pairwise summation (8-way unrolled blocks of up to 128
 * elements, halves rounded down to a multiple of 8) applied to chunks of at most 8192 elements (NumPy's buffer size),
 * the chunk sums added left to right onto the initial 0. scikit-learn's average precision ends in such a sum.
 */

const BLOCK = 128;
const BUFFER = 8192;

function pairwise(a: readonly number[], start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= BLOCK) {
    const r = [0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = r[j]! + a[start + i + j]!;
    }
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwise(a, start, n2) + pairwise(a, start + n2, n - n2);
}

/** `np.sum(a)` for a 1-D float64 array. */
export function numpySum(a: readonly number[]): number {
  let total = 0;
  for (let start = 0; start < a.length; start += BUFFER) {
    total += pairwise(a, start, Math.min(BUFFER, a.length - start));
  }
  return total;
}
