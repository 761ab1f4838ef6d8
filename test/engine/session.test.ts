/**
 * TrainSession: double-buffered parameters across steps, the multi-step Loop graph equal to single steps (with and
 * without dropout masks), step counting, input validation, and the inference runner on the trained parameters. The
 * Loop body and a sharded graph are other graphs than the single step, optimised on their own, so they agree within
 * float rounding (1e-6: an lr 0.01 step moves parameters by about 1e-2), not bit for bit.
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/engine/tensor.js';
import { initParams } from '../../src/engine/init.js';
import { adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/random/rng.js';
import { InferenceRunner } from '../../src/engine/inference-runner.js';
import { TrainSession } from '../../src/engine/train-session.js';
import { buildTrainLoop } from '../../src/engine/train-loop.js';
import { buildInference } from '../../src/engine/inference.js';
import { buildTrainStep } from '../../src/engine/train-step.js';
import { clipLinearHead, clipLinearLoss } from '../../src/models/heads/clip-linear.js';
import { VizWizError } from '../../src/errors.js';
import { onTestDevice } from '../helpers/device.js';
import { headBatch } from '../helpers/head-batch.js';

const C = { imageDim: 6, textDim: 5, hidden: 7, numAnswers: 9, numTypes: 3, answerableHidden: 4 };
const B = 4;
const S = 3;

function batches(seed: number): Record<string, Tensor>[] {
  const rng = new Rng(seed);
  return Array.from({ length: S }, () => headBatch(rng, C, B));
}

function stack(ts: Tensor[]): Tensor {
  const first = ts[0] as Tensor;
  if (first.dtype === 'int64') {
    const out = new BigInt64Array(ts.length * first.size);
    ts.forEach((t, i) => out.set(t.data as BigInt64Array, i * first.size));
    return Tensor.i64(out, [ts.length, ...first.dims]);
  }
  const out = new Float32Array(ts.length * first.size);
  ts.forEach((t, i) => out.set(t.floats(), i * first.size));
  return Tensor.f32(out, [ts.length, ...first.dims]);
}

function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, x] of a) x.forEach((v, i) => (m = Math.max(m, Math.abs(v - ((b.get(k) as Float32Array)[i] as number)))));
  return m;
}

function masksFor(graphSites: readonly { name: string; shape: readonly (number | string)[] }[], rng: Rng): Record<string, Tensor>[] {
  return Array.from({ length: S }, () =>
    Object.fromEntries(
      graphSites.map((s) => {
        const shape = s.shape.map((d) => (typeof d === 'number' ? d : B));
        const n = shape.reduce((a, b) => a * b, 1);
        return [
          s.name,
          Tensor.f32(
            Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? 0 : 2)),
            shape,
          ),
        ];
      }),
    ),
  );
}

for (const dropout of [false, true]) {
  test(`a Loop of ${S} steps equals ${S} single steps (dropout ${dropout ? 'masks fed' : 'off'})`, async () => {
    const model = clipLinearHead(C);
    const loss = clipLinearLoss(C);
    const single = buildTrainStep(model, loss, adam(), { dropout });
    const loop = buildTrainLoop(model, loss, adam(), { dropout });
    const params = initParams(single.params, 11);
    const a = await TrainSession.create(single, params, onTestDevice({ threads: 1 }));
    const b = await TrainSession.create(loop, params, onTestDevice({ threads: 1 }));
    const data = batches(3);
    const masks = masksFor(single.dropoutSites, new Rng(5));
    const lrs = [0.01, 0.02, 0.005];
    const singleLosses: number[] = [];
    for (let i = 0; i < S; i++)
      singleLosses.push((await a.step(data[i] as Record<string, Tensor>, lrs[i] as number, { masks: masks[i] })).losses.loss_total as number);
    const stacked = Object.fromEntries(Object.keys(data[0] as object).map((k) => [k, stack(data.map((d) => d[k] as Tensor))]));
    const stackedMasks = Object.fromEntries(single.dropoutSites.map((s) => [s.name, stack(masks.map((m) => m[s.name] as Tensor))]));
    const r = await b.steps(stacked, lrs, { masks: stackedMasks });
    assert.equal(a.stepsDone, S);
    assert.equal(b.stepsDone, S);
    const loopLosses = Array.from(r.losses.loss_total as Float32Array);
    assert.equal(loopLosses.length, S);
    loopLosses.forEach((l, i) =>
      assert.ok(Math.abs(l - (singleLosses[i] as number)) <= 1e-6 * Math.abs(singleLosses[i] as number), `step ${i}: loss ${l} vs ${singleLosses[i]}`),
    );
    assert.ok(maxDiff(a.parameters(), b.parameters()) <= 1e-6, `params differ by ${maxDiff(a.parameters(), b.parameters())}`);
    assert.ok(maxDiff(a.optimizerState(), b.optimizerState()) <= 1e-6);
    // The loop graph also runs a single step as a stack of one.
    const one = await b.step(data[0] as Record<string, Tensor>, 0.01, { masks: masks[0] });
    assert.ok(Number.isFinite(one.losses.loss_total));
    await a.dispose();
    await b.dispose();
  });
}

test('parameters are double-buffered: lr 0 keeps them, lr > 0 moves them, views follow the latest step', async () => {
  const graph = buildTrainStep(clipLinearHead(C), clipLinearLoss(C), adam());
  const init = initParams(graph.params, 1);
  const s = await TrainSession.create(graph, init, { threads: 1, seed: 2 });
  const [batch] = batches(9);
  await s.step(batch as Record<string, Tensor>, 0);
  assert.equal(maxDiff(s.parameters(), init), 0);
  const before = new Map([...s.parameters()].map(([k, v]) => [k, v.slice()]));
  await s.step(batch as Record<string, Tensor>, 0.01);
  const moved = maxDiff(s.parameters(), before);
  assert.ok(moved > 0.005 && moved < 0.02, `an Adam step moves parameters by about lr, got ${moved}`);
  assert.equal(s.stepsDone, 2);
  // Trained parameters drive the inference graph built from the same model code.
  const runner = await InferenceRunner.create(buildInference(clipLinearHead(C)), s.parameters(), { threads: 1 });
  const out = await runner.run({ image_feat: batch?.image_feat as Tensor, text_feat: batch?.text_feat as Tensor }, ['answer_logits', 'answerable_logit']);
  assert.deepEqual(out.answer_logits?.dims, [B, C.numAnswers]);
  assert.deepEqual(out.answerable_logit?.dims, [B]);
  await runner.dispose();
  await s.dispose();
});

test('bad batches and parameters are INVALID_* errors naming the input', async () => {
  const graph = buildTrainStep(clipLinearHead(C), clipLinearLoss(C), adam());
  const params = initParams(graph.params, 1);
  const bad = new Map(params);
  bad.set('answer_fc1.weight', new Float32Array(3));
  await assert.rejects(
    TrainSession.create(graph, bad),
    (e: unknown) => e instanceof VizWizError && e.code === 'INVALID_CHECKPOINT' && /answer_fc1\.weight' has 3 values, expected 77/.test(e.message),
  );
  const s = await TrainSession.create(graph, params, { threads: 1 });
  const [batch] = batches(1) as Record<string, Tensor>[];
  const { answerable: _, ...missing } = batch as Record<string, Tensor>;
  await assert.rejects(s.step(missing, 0.01), /batch input 'answerable' is missing/);
  const wrong = { ...batch, image_feat: Tensor.f32(new Float32Array(B * 3), [B, 3]) };
  await assert.rejects(s.step(wrong, 0.01), /batch input 'image_feat' has shape \[4, 3\], expected \[B, 6\]/);
  const rows = { ...batch, answerable: Tensor.f32(new Float32Array(B + 1), [B + 1]) };
  await assert.rejects(s.step(rows, 0.01), /^VizWizError: batch input 'answerable' has 5 rows, 'image_feat' has 4$/);
  await s.dispose();
});

test('reseedDropout makes the dropout masks, and so the trained parameters, reproducible', async () => {
  const graph = buildTrainStep(clipLinearHead(C), clipLinearLoss(C), adam());
  const init = initParams(graph.params, 1);
  const [batch] = batches(2) as Record<string, Tensor>[];
  const run = async (seeds: number[]): Promise<Map<string, Float32Array>> => {
    const s = await TrainSession.create(graph, init, { threads: 1, seed: 99 });
    for (const seed of seeds) {
      s.reseedDropout(seed);
      await s.step(batch as Record<string, Tensor>, 0.01);
    }
    const p = new Map([...s.parameters()].map(([k, v]) => [k, v.slice()]));
    await s.dispose();
    return p;
  };
  const a = await run([5, 6]);
  assert.equal(maxDiff(a, await run([5, 6])), 0);
  assert.ok(maxDiff(a, await run([5, 7])) > 0);
});

test('row-sharded parameters train exactly like whole ones (single step and Loop), names unchanged outside', async () => {
  const model = clipLinearHead(C);
  const loss = clipLinearLoss(C);
  const whole = buildTrainStep(model, loss, adam(), { dropout: false, shard: false, exposeGradients: true });
  const sharded = buildTrainStep(model, loss, adam(), { dropout: false, shard: 24, exposeGradients: true });
  const loop = buildTrainLoop(model, loss, adam(), { dropout: false, shard: 24 });
  assert.deepEqual(
    sharded.blocks.filter((b) => b.param === 'answer_fc1.weight').map((b) => [b.name, b.rowStart, b.rowEnd]),
    [
      ['answer_fc1.weight@0', 0, 1],
      ['answer_fc1.weight@1', 1, 3],
      ['answer_fc1.weight@2', 3, 5],
      ['answer_fc1.weight@3', 5, 7],
    ],
  );
  const params = initParams(whole.params, 4);
  const sessions = await Promise.all([whole, sharded, loop].map((g) => TrainSession.create(g, params, { threads: 1 })));
  const data = batches(6);
  const results = [];
  for (const s of sessions) {
    let last;
    for (const b of data) last = await s.step(b, 0.01);
    results.push(last);
  }
  const [a, b, c] = sessions as [TrainSession, TrainSession, TrainSession];
  assert.ok(maxDiff(a.parameters(), b.parameters()) <= 1e-6, `sharded params differ by ${maxDiff(a.parameters(), b.parameters())}`);
  assert.ok(maxDiff(a.parameters(), c.parameters()) <= 1e-6, `Loop params differ by ${maxDiff(a.parameters(), c.parameters())}`);
  assert.ok(maxDiff(a.optimizerState(), c.optimizerState()) <= 1e-6);
  assert.deepEqual([...b.parameters().keys()], [...a.parameters().keys()]);
  const ga = results[0]!.extra['grad.answer_fc2.weight']!.floats();
  const gb = results[1]!.extra['grad.answer_fc2.weight']!.floats();
  assert.ok(
    ga.every((x, i) => Math.abs(x - (gb[i] as number)) <= 1e-6),
    'gradients of the whole and the sharded graph',
  );
  for (const s of sessions) await s.dispose();
});

test("the profile option writes onnxruntime's trace on dispose, with the Loop body's nodes in it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vizwiz-profile-test-'));
  try {
    const loop = buildTrainLoop(clipLinearHead(C), clipLinearLoss(C), adam(), { dropout: false });
    const s = await TrainSession.create(loop, initParams(loop.params, 1), { threads: 1, profile: join(dir, 'p') });
    await s.step(batches(2)[0] as Record<string, Tensor>, 0.01);
    await s.dispose();
    const files = readdirSync(dir).filter((f) => f.startsWith('p') && f.endsWith('.json'));
    assert.equal(files.length, 1, `trace files: ${readdirSync(dir).join(', ')}`);
    const events = JSON.parse(readFileSync(join(dir, files[0] as string), 'utf8')) as { cat: string; name: string }[];
    const bodyKernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.name.includes('_step_kernel_time'));
    assert.ok(
      bodyKernels.some((e) => e.name.includes('_Gemm_')),
      'a Gemm of the Loop body is in the trace',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
