/**
 * Resuming a fine-tune (src/finetune/finetune.ts): a run stopped after its first epoch - with the debris of a kill
 * while the next checkpoint was being written - and then rerun ends with exactly the adapters, optimizer state, update
 * count, history and best adapter of an uninterrupted run. LoRA dropout, random targets and gradient accumulation are
 * on, so every random stream and the accumulated updates are covered. A folder holding another run is refused.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readSafetensors } from '../../src/engine/safetensors.js';
import { finetunePaligemma, type FinetuneConfigInput, type FinetuneEpoch } from '../../src/finetune/index.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';

const CONFIG: FinetuneConfigInput = {
  lr: 3e-3,
  epochs: 3,
  batchSize: 4,
  gradAccum: 2,
  target: 'random',
  lora: { r: 4, alpha: 8, dropout: 0.1 },
  threads: 2,
};

describe('resuming a fine-tune', () => {
  let data: TinyFinetuneData;
  const run = (out: string, epochBudget?: number, config: FinetuneConfigInput = CONFIG) =>
    finetunePaligemma({
      out,
      base: data.model,
      train: { records: data.train.records.slice(0, 40), images: data.train.images },
      val: { records: data.val.records.slice(0, 12), images: data.val.images },
      config,
      ...(epochBudget !== undefined ? { epochBudget } : {}),
    });
  const withoutTime = (h: FinetuneEpoch[]) => h.map(({ seconds: _, ...rest }) => rest);

  before(async () => {
    data = await tinyFinetuneData();
  });

  it('gives the same adapters, optimizer state, history and best adapter as an uninterrupted run', async () => {
    const whole = join(data.dir, 'resume-whole');
    const parts = join(data.dir, 'resume-parts');
    const uninterrupted = await run(whole);
    assert.equal(uninterrupted.completed, true);

    const first = await run(parts, 1);
    assert.equal(first.completed, false);
    assert.equal(first.history.length, 2);
    // A kill while epoch 2's checkpoint was being written: a torn file, state.json still naming epoch 1.
    await mkdir(join(parts, 'checkpoints', 'epoch-0002'), { recursive: true });
    await writeFile(join(parts, 'checkpoints', 'epoch-0002', 'params.safetensors'), 'torn');
    const lines: string[] = [];
    const resumed = await finetunePaligemma({
      out: parts,
      base: data.model,
      train: { records: data.train.records.slice(0, 40), images: data.train.images },
      val: { records: data.val.records.slice(0, 12), images: data.val.images },
      config: CONFIG,
      log: (l) => lines.push(l),
    });
    assert.equal(lines[0], 'resuming after epoch 1 of 3');
    assert.equal(resumed.completed, true);
    assert.deepEqual(withoutTime(resumed.history), withoutTime(uninterrupted.history));
    assert.deepEqual(resumed.best, uninterrupted.best);

    const state = async (dir: string) => JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    assert.deepEqual(await state(parts), await state(whole));
    assert.equal((await state(whole)).steps, 3 * 5); // 40 examples / (4 x 2) = 5 updates per epoch
    for (const file of ['params.safetensors', 'optimizer.safetensors']) {
      const a = await readSafetensors(join(whole, 'checkpoints', 'epoch-0003', file));
      const b = await readSafetensors(join(parts, 'checkpoints', 'epoch-0003', file));
      assert.equal(a.size, b.size);
      for (const [name, t] of a) assert.deepEqual(b.get(name)?.data, t.data, `${file}: ${name}`);
    }
    assert.deepEqual(await readFile(join(parts, 'best', 'adapter_model.safetensors')), await readFile(join(whole, 'best', 'adapter_model.safetensors')));
  });

  it('refuses a run folder that holds another configuration', async () => {
    const out = join(data.dir, 'resume-other');
    await run(out, 1);
    await assert.rejects(run(out, 1, { ...CONFIG, lr: 1e-3 }), /holds a fine-tune with another base, configuration or data/);
  });
});
