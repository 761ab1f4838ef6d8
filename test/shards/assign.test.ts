/**
 * The shard assignment: jump consistent hash against golden values of the paper's algorithm (computed with a
 * Python transcription of Lamping and Veach's C++), its keys from SHA-256, and the properties the split relies on:
 * every row in exactly one shard, balance, and stability when the shard count grows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jumpHash, selectShard, shardKey, shardOf, shardRows } from '../../src/shards/assign.js';

test('jumpHash equals the published algorithm on golden keys', () => {
  // python: b, j = -1, 0; while j < n: b = j; key = (key * 2862933555777941757 + 1) % 2**64; j = int((b + 1) * (2**31 / ((key >> 33) + 1)))
  assert.equal(jumpHash(0n, 1), 0);
  assert.equal(jumpHash(1n, 10), 6);
  assert.equal(jumpHash(0xdeadbeefn, 1000), 285);
  assert.equal(jumpHash(2n ** 64n - 1n, 100), 92);
  assert.equal(jumpHash(123456789n, 7), 0);
});

test('a question id keys the hash by the first 8 bytes of its SHA-256', () => {
  assert.equal(shardKey('VizWiz_val_00000000.jpg'), 0x9524813e5da37a03n);
  assert.equal(shardKey('VizWiz_test_00007948.jpg'), 0x60d1f3876d34ffc7n);
  const golden: Record<string, number[]> = {
    'VizWiz_val_00000000.jpg': [0, 0, 0, 3, 4, 37],
    'VizWiz_val_00000001.jpg': [0, 1, 1, 1, 4, 65],
    'VizWiz_val_00000002.jpg': [0, 1, 1, 1, 4, 55],
    'VizWiz_test_00007948.jpg': [0, 1, 2, 2, 7, 92],
    'img_000.png': [0, 0, 0, 0, 0, 22],
  };
  for (const [id, shards] of Object.entries(golden)) {
    assert.deepEqual(
      [1, 2, 3, 4, 10, 100].map((n) => shardOf(id, n)),
      shards,
      id,
    );
  }
});

const ids = Array.from({ length: 3000 }, (_, i) => `VizWiz_train_${String(i).padStart(8, '0')}.jpg`);

test('every row is in exactly one shard, in annotation order, and the shards are balanced', () => {
  const shards = [0, 1, 2].map((index) => shardRows(ids, { index, count: 3 }));
  assert.deepEqual(
    shards.flat().sort((a, b) => a - b),
    ids.map((_, i) => i),
  );
  for (const rows of shards) {
    assert.deepEqual(
      rows,
      [...rows].sort((a, b) => a - b),
    );
    assert.ok(Math.abs(rows.length - 1000) < 100, `shard of ${rows.length} rows, expected about 1000`);
  }
  const questions = ids.slice(0, 5).map((image) => ({ image, question: 'q' }));
  assert.deepEqual(selectShard(questions, undefined).rows, [0, 1, 2, 3, 4]);
  const one = selectShard(questions, { index: 1, count: 3 });
  assert.deepEqual(
    one.items.map((q) => q.image),
    one.rows.map((r) => ids[r]),
  );
});

test('going from n to n + 1 shards moves only the rows that land in the new shard, about 1/(n+1) of them', () => {
  for (const n of [1, 2, 3, 7, 16]) {
    let moved = 0;
    for (const id of ids) {
      const before = shardOf(id, n);
      const after = shardOf(id, n + 1);
      if (after !== before) {
        assert.equal(after, n, `${id} moved from ${before} to ${after}, not to the new shard ${n}`);
        moved++;
      }
    }
    const expected = ids.length / (n + 1);
    assert.ok(Math.abs(moved - expected) < 0.2 * expected, `${moved} of ${ids.length} moved from ${n} to ${n + 1} shards, expected about ${expected}`);
  }
});
