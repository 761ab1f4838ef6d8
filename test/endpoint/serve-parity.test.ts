/**
 * The toolkit against itself over the network: `vizwiz predict --endpoint` pointed at `vizwiz serve` (its
 * OpenAI-compatible /v1/chat/completions, on loopback) gives the same answers as `vizwiz predict --model paligemma` on
 * the same model, question for question - the same prompt (the paligemma preset's "answer en {question}" is the
 * service's own template), the same image bytes, batch 1 and one thread on both sides, so the same greedy decoding.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { finetunePaligemma } from '../../src/finetune/finetune.js';
import { readSubmission } from '../../src/eval/submission.js';
import { DEFAULT_LIMITS } from '../../src/serve/limits.js';
import { chooseServeTarget, loadServeModel } from '../../src/serve/serve-target.js';
import { startService, type RunningService } from '../../src/serve/server.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';

let data: TinyFinetuneData;
let dir: string;
let service: RunningService;

before(async () => {
  data = await tinyFinetuneData();
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-serve-parity-'));
  await finetunePaligemma({
    out: join(dir, 'run'),
    base: data.model,
    train: { records: data.train.records.slice(0, 96), images: data.train.images },
    val: { records: data.val.records.slice(0, 8), images: data.val.images },
    config: { lr: 1e-2, epochs: 4, batchSize: 8, gradAccum: 1, threads: 1, zeroShot: false },
  });
  const model = await loadServeModel(await chooseServeTarget({ model: 'paligemma', base: data.model, adapter: join(dir, 'run', 'best') }), {
    device: 'cpu',
    threads: 1,
    quality: false,
  });
  service = await startService({ host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, load: async () => model });
  await service.ready;
});

after(async () => {
  await service.shutdown();
  await rm(dir, { recursive: true, force: true });
});

test('predict --endpoint against vizwiz serve answers every question as vizwiz predict does on the same model', { timeout: 300_000 }, async () => {
  const annotations = join(dir, 'val.json');
  const records = data.val.records.slice(0, 8);
  await writeFile(annotations, JSON.stringify(records));
  const served = ((await (await fetch(`${service.url}/v1/models`)).json()) as { data: { id: string }[] }).data[0]!.id;
  const common = ['--annotations', annotations, '--images', data.val.imagesDir];
  const remote = join(dir, 'remote.json');
  const local = join(dir, 'local.json');
  assert.equal(
    await runCli([
      'node',
      'vizwiz',
      'predict',
      '--endpoint',
      `${service.url}/v1`,
      '--model',
      served,
      '--prompt',
      'paligemma',
      '--concurrency',
      '1',
      ...common,
      '--out',
      remote,
    ]),
    0,
  );
  assert.equal(
    await runCli([
      'node',
      'vizwiz',
      'predict',
      '--model',
      'paligemma',
      '--base',
      data.model,
      '--adapter',
      join(dir, 'run', 'best'),
      '--batch-size',
      '1',
      '--threads',
      '1',
      ...common,
      '--out',
      local,
    ]),
    0,
  );
  const byImage = (preds: { image: string; answer: string }[]) => new Map(preds.map((p) => [p.image, p.answer]));
  const [a, b] = [byImage(await readSubmission(remote)), byImage(await readSubmission(local))];
  assert.equal(a.size, records.length);
  assert.ok([...b.values()].filter((x) => x !== '').length >= records.length / 2, `the fine-tuned model answers in words: ${[...b.values()].join(' | ')}`);
  assert.deepEqual([...a].sort(), [...b].sort());
});
