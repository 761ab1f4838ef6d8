/**
 * `vizwiz predict --model paligemma --quantize int8|int4` on a tiny fine-tuned PaliGemma (sample dataset, LoRA
 * adapter): the quantized weights are computed on the first start and cached beside the checkpoint (the second start
 * reads the file and leaves it untouched), the adapter applies on top in float, and the answers agree with float32
 * predictions on most questions (asserted as a fraction: a near tie may flip on another CPU). A bad --quantize value
 * is a usage error (exit 2) naming the flag. `serve`'s PaliGemma model takes the same cache.
 */

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { finetunePaligemma } from '../../src/finetune/finetune.js';
import { readImage } from '../../src/images/decode.js';
import { loadPaligemmaModel } from '../../src/serve/paligemma-model.js';
import { tinyFinetuneData, type TinyFinetuneData } from '../helpers/tiny-paligemma.js';

let data: TinyFinetuneData;
let dir: string;
let annotations: string;

before(async () => {
  data = await tinyFinetuneData();
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-quantized-predict-'));
  await finetunePaligemma({
    out: join(dir, 'run'),
    base: data.model,
    train: { records: data.train.records.slice(0, 64), images: data.train.images },
    val: { records: data.val.records.slice(0, 8), images: data.val.images },
    config: { lr: 1e-2, epochs: 3, batchSize: 8, gradAccum: 1, threads: 1, zeroShot: false },
  });
  annotations = join(dir, 'val.json');
  await writeFile(annotations, JSON.stringify(data.val.records.slice(0, 24)));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = cliInProcess;

async function predict(out: string, extra: string[]): Promise<{ answers: string[]; stderr: string }> {
  const common = ['--base', data.model, '--adapter', join(dir, 'run', 'best'), '--annotations', annotations, '--images', data.val.imagesDir];
  const r = await cli(['predict', '--model', 'paligemma', ...common, '--threads', '1', '--batch-size', '4', '--out', join(dir, out), ...extra]);
  assert.equal(r.status, 0, r.stderr);
  const preds = JSON.parse(await readFile(join(dir, out), 'utf8')) as { answer: string }[];
  return { answers: preds.map((p) => p.answer), stderr: r.stderr };
}

const agreement = (a: readonly string[], b: readonly string[]): number => a.filter((x, i) => x === b[i]).length / a.length;

test('--quantize int8 / int4: cached once beside the checkpoint, reused, LoRA on top, answers agree with float32', { timeout: 600_000 }, async (t) => {
  const float = await predict('float.json', []);
  const cacheFile = join(data.model, '.vizwiz-quantized', 'int8.safetensors');
  await rm(join(data.model, '.vizwiz-quantized'), { recursive: true, force: true });
  const first = await predict('int8-a.json', ['--quantize', 'int8']);
  assert.match(first.stderr, /int8 weights quantized once and cached in .*int8\.safetensors/);
  const written = (await stat(cacheFile)).mtimeMs;
  const second = await predict('int8-b.json', ['--quantize', 'int8']);
  assert.match(second.stderr, /int8 weights read from .*int8\.safetensors/);
  assert.equal((await stat(cacheFile)).mtimeMs, written, 'the second start rewrote the cache');
  assert.deepEqual(second.answers, first.answers);
  const int4 = await predict('int4.json', ['--quantize', 'int4']);
  const a8 = agreement(first.answers, float.answers);
  const a4 = agreement(int4.answers, float.answers);
  t.diagnostic(`answers equal to float32 on ${float.answers.length} questions: int8 ${a8.toFixed(3)}, int4 ${a4.toFixed(3)}`);
  assert.ok(a8 >= 0.75, `int8 agreement ${a8}`);
  assert.ok(a4 >= 0.5, `int4 agreement ${a4}`);
});

test('a bad --quantize value is a usage error naming the flag', async () => {
  const r = await cli([
    'predict',
    '--model',
    'paligemma',
    '--base',
    data.model,
    '--annotations',
    annotations,
    '--out',
    join(dir, 'x.json'),
    '--quantize',
    'int3',
  ]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--quantize must be one of int8, int4, got "int3"/);
});

test('serve: the PaliGemma answer model loads quantized weights from the same cache and answers like predict', async () => {
  const lines: string[] = [];
  const adapter = join(dir, 'run', 'best');
  const model = await loadPaligemmaModel({ base: data.model, adapter, device: 'cpu', threads: 1, quantize: 'int8', log: (l) => lines.push(l) });
  try {
    assert.match(model.description, /\(int8\) with adapter/);
    assert.match(lines.join('\n'), /int8 weights (read from|quantized once and cached in) .*int8\.safetensors/);
    const record = data.val.records[0]!;
    const [answer] = await model.answer([{ image: await readImage(data.val.images, record.image), question: record.question }]);
    assert.equal(typeof answer?.answer, 'string');
    assert.ok(answer!.answerable >= 0 && answer!.answerable <= 1);
  } finally {
    await model.dispose();
  }
});
