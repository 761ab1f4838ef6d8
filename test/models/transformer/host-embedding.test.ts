/**
 * Host-side embedding lookups: from a float32 table the rows are copied exactly; from a block-quantized table (the tied
 * Gemma embedding under --quantize) each row equals the dequantized row; ids outside the table and missing parts are
 * named.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dequantizeRows, QUANT_SCHEMES, quantizeMatrix } from '../../../src/engine/block-quantize.js';
import { quantizedArrays } from '../../../src/engine/quantized-weights.js';
import { hostEmbedding } from '../../../src/models/transformer/host-embedding.js';
import { Rng } from '../../../src/random/rng.js';

const ROWS = 9;
const WIDTH = 48; // a block and a half of 32
const rng = new Rng(5);
const table = Float32Array.from({ length: ROWS * WIDTH }, () => rng.normal());

test('float32 rows are copied exactly, in the order of the ids', () => {
  const e = hostEmbedding(new Map([['embed', table]]), 'embed', ROWS, WIDTH);
  const got = e.lookup([3, 0, 3, 8]);
  assert.deepEqual(Array.from(got.subarray(0, WIDTH)), Array.from(table.subarray(3 * WIDTH, 4 * WIDTH)));
  assert.deepEqual(Array.from(got.subarray(WIDTH, 2 * WIDTH)), Array.from(table.subarray(0, WIDTH)));
  assert.deepEqual(Array.from(got.subarray(3 * WIDTH)), Array.from(table.subarray(8 * WIDTH)));
});

for (const name of ['int8', 'int4'] as const) {
  test(`${name} rows are the dequantized rows of the table`, () => {
    const q = quantizeMatrix(table, ROWS, WIDTH, QUANT_SCHEMES[name]);
    const e = hostEmbedding(new Map(quantizedArrays('embed', q)), 'embed', ROWS, WIDTH, QUANT_SCHEMES[name]);
    const all = dequantizeRows(q);
    const out = new Float32Array(2 * WIDTH).fill(7);
    e.copyRow(6, out, WIDTH);
    assert.deepEqual(Array.from(out.subarray(0, WIDTH)), new Array<number>(WIDTH).fill(7));
    assert.deepEqual(Array.from(out.subarray(WIDTH)), Array.from(all.subarray(6 * WIDTH, 7 * WIDTH)));
    assert.deepEqual(Array.from(e.lookup([1, 2])), Array.from(all.subarray(WIDTH, 3 * WIDTH)));
  });
}

test('ids outside the table and missing tables are named', () => {
  const e = hostEmbedding(new Map([['embed', table]]), 'embed', ROWS, WIDTH);
  assert.throws(() => e.lookup([ROWS]), /token id 9 is outside the embedding table \(9 rows\)/);
  assert.throws(() => e.lookup([-1]), /token id -1 is outside the embedding table/);
  assert.throws(() => hostEmbedding(new Map(), 'embed', ROWS, WIDTH), /no float32 'embed' \[9, 48\] among the weights/);
  assert.throws(() => hostEmbedding(new Map([['embed', table]]), 'embed', ROWS, WIDTH, QUANT_SCHEMES.int4), /no quantized 'embed' \[9, 48\] among the weights/);
});
