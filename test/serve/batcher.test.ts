import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DynamicBatcher } from '../../src/serve/batcher.js';
import { HttpError } from '../../src/serve/http-error.js';

/** A batch function that records its batches and answers x -> 10 x after `ms`. */
function recorder(ms = 20) {
  const batches: number[][] = [];
  const run = async (items: readonly number[]) => {
    batches.push([...items]);
    await new Promise((r) => setTimeout(r, ms));
    return items.map((x) => 10 * x);
  };
  return { batches, run };
}

describe('dynamic batching', () => {
  it('groups requests that arrive together, up to maxBatch, in arrival order', async () => {
    const { batches, run } = recorder();
    const b = new DynamicBatcher(run, { maxBatch: 3, maxQueue: 10, waitMs: 30 });
    const out = await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)));
    assert.deepEqual(out, [10, 20, 30, 40, 50]);
    assert.deepEqual(batches, [
      [1, 2, 3],
      [4, 5],
    ]);
    assert.deepEqual(b.batchSizes, [3, 2]);
  });

  it('answers one at a time with maxBatch 1', async () => {
    const { batches, run } = recorder(1);
    const b = new DynamicBatcher(run, { maxBatch: 1, maxQueue: 10, waitMs: 0 });
    await Promise.all([1, 2, 3].map((x) => b.submit(x)));
    assert.deepEqual(batches, [[1], [2], [3]]);
  });

  it('refuses past maxQueue waiting requests with 503 and a Retry-After', async () => {
    const { run } = recorder(50);
    const b = new DynamicBatcher(run, { maxBatch: 1, maxQueue: 2, waitMs: 0 });
    const first = b.submit(1); // runs at once
    const queued = [b.submit(2), b.submit(3)];
    await assert.rejects(b.submit(4), (err: HttpError) => {
      assert.equal(err.status, 503);
      assert.equal(err.code, 'queue_full');
      assert.ok(err.retryAfter! >= 1);
      assert.equal(err.message, `the server is busy (2 questions waiting); try again in ${err.retryAfter} s`);
      return true;
    });
    assert.deepEqual(await Promise.all([first, ...queued]), [10, 20, 30]);
  });

  it('drops a request whose deadline passes while it waits, and the others go on', async () => {
    const { batches, run } = recorder(40);
    const b = new DynamicBatcher(run, { maxBatch: 1, maxQueue: 10, waitMs: 0 });
    const first = b.submit(1);
    const deadline = new AbortController();
    const late = b.submit(2, deadline.signal);
    const third = b.submit(3);
    deadline.abort(new Error('too late'));
    await assert.rejects(late, { message: 'too late' });
    assert.deepEqual([await first, await third], [10, 30]);
    assert.deepEqual(batches, [[1], [3]]);
  });

  it('drains what is queued after close, and refuses new requests', async () => {
    const { run } = recorder(10);
    const b = new DynamicBatcher(run, { maxBatch: 2, maxQueue: 10, waitMs: 5 });
    const pending = [1, 2, 3].map((x) => b.submit(x));
    b.close();
    await assert.rejects(b.submit(4), { status: 503, code: 'shutting_down', message: 'the server is shutting down; try again shortly' });
    await b.drain();
    assert.deepEqual(await Promise.all(pending), [10, 20, 30]);
    assert.equal(b.waiting, 0);
  });
});
