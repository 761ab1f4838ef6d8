/**
 * A float16 fine-tune's run folder (finetunePaligemma { dtype: 'float16' }): run.json's config says float16 (so a
 * float32 rerun in the folder is refused as another configuration), every epoch's history records the skipped updates
 * and the loss scale, state.json keeps the loss scaler's state, and a run resumed after its first epoch ends with the
 * uninterrupted run's adapters, optimizer state, scaler state and history. This checks the wiring, so it runs on the
 * CPU (the library takes float16 there: the same graphs, computed in float32 behind the provider's Casts; the CLI
 * refuses it); float16 numerics are checked on WebGPU by mixed-precision.test.ts.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { finetunePaligemma, type FinetuneConfigInput, type FinetuneEpoch } from '../../src/finetune/index.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';

const CONFIG: FinetuneConfigInput = {
  lr: 3e-3,
  epochs: 2,
  batchSize: 4,
  gradAccum: 2,
  lora: { r: 4, alpha: 8 },
  zeroShot: false,
  threads: 2,
  dtype: 'float16',
};

describe('a float16 fine-tune run folder', () => {
  let data: TinyFinetuneData;
  const run = (out: string, epochBudget?: number, config: FinetuneConfigInput = CONFIG) =>
    finetunePaligemma({
      out,
      base: data.model,
      train: { records: data.train.records.slice(0, 24), images: data.train.images },
      val: { records: data.val.records.slice(0, 8), images: data.val.images },
      config,
      ...(epochBudget !== undefined ? { epochBudget } : {}),
    });
  const withoutTime = (h: FinetuneEpoch[]) => h.map(({ seconds: _, ...rest }) => rest);
  const json = async (dir: string, file: string) => JSON.parse(await readFile(join(dir, file), 'utf8'));

  before(async () => {
    data = await tinyFinetuneData();
  });

  it('records float16, the loss scale and skipped updates, and resumes exactly', async () => {
    const whole = join(data.dir, 'f16-whole');
    const parts = join(data.dir, 'f16-parts');
    const uninterrupted = await run(whole);
    assert.equal((await json(whole, 'run.json')).config.dtype, 'float16');
    for (const e of uninterrupted.history) {
      assert.equal(e.skippedUpdates, 0, `epoch ${e.epoch}: no overflow at 2^16 here`);
      assert.equal(e.lossScale, 2 ** 16);
    }
    const state = await json(whole, 'state.json');
    assert.deepEqual(state.extra, { lossScale: { scale: 2 ** 16, goodSteps: 2 * 3 } }); // 24 / (4 x 2) = 3 updates per epoch

    assert.equal((await run(parts, 1)).completed, false);
    const resumed = await run(parts);
    assert.deepEqual(withoutTime(resumed.history), withoutTime(uninterrupted.history));
    assert.deepEqual(await json(parts, 'state.json'), state);
    for (const file of ['params.safetensors', 'optimizer.safetensors']) {
      const a = await readSafetensors(join(whole, 'checkpoints', 'epoch-0002', file));
      const b = await readSafetensors(join(parts, 'checkpoints', 'epoch-0002', file));
      for (const [name, t] of a) assert.deepEqual(b.get(name)?.data, t.data, `${file}: ${name}`);
    }
    await assert.rejects(run(parts, 1, { ...CONFIG, dtype: 'float32' }), /holds a fine-tune with another base, configuration or data/);
  });
});
