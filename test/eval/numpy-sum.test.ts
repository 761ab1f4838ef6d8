/** NumPy-exact summation (pairwise within 8192-element chunks); expected values computed with NumPy 1.24. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numpySum } from '../../src/eval/numpy-sum.js';
import { pySum } from '../../src/eval/python-float.js';

/** The same vector in Python: ((i*7919) % 10007) / 3 * (1e10 if i % 5 == 0 else 1.0) * (-1.0 if i % 2 else 1.0). */
function vector(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (((i * 7919) % 10007) / 3) * (i % 5 === 0 ? 1e10 : 1) * (i % 2 ? -1 : 1));
}

test('numpySum equals np.sum bit for bit, across the pairwise and chunk boundaries', () => {
  const expected: [number, number][] = [
    [5, -1392.0],
    [100, -18923333326662.008],
    [1000, -22450000000000.023],
    [8192, 118820000003617.23],
    [8193, 118820000005975.23],
    [20000, 284846666636645.94],
  ];
  for (const [n, sum] of expected) assert.equal(numpySum(vector(n)), sum, `n=${n}`);
  // and it is not plain left-to-right summation
  assert.equal(pySum(vector(1000)), -22449999999999.996);
});
