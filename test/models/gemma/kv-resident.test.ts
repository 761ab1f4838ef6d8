/**
 * The KV cache between decode steps, and what each step copies between host and device. On WebGPU the caches stay in
 * the device's memory (resident): a decode step sends up only its token, position, bias and row index, and brings down
 * only its greedy choices and scored log-probabilities (12 bytes a row) and, when fetched, its logits; with
 * `residentCache: false` (the former behaviour) every step also downloads the whole cache and uploads it again. The
 * graph's choices and scores are the host's argmax and float64 log-softmax of its logits. Both give the same logits and caches (read through `hostCache`, the explicit download), one
 * prefill start serves several continuations (greedy decoding twice, then teacher-forced scoring), and a released
 * cache cannot be fed. On the CPU nothing is copied, and the same paths run over host tensors.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { argmaxRow, greedyDecode, type DecodeStart } from '../../../src/models/gemma/generate.js';
import { GemmaKvDecoder, type KvCache } from '../../../src/models/gemma/kv-decoder.js';
import { arangePositions, causalBias, stepBias } from '../../../src/models/gemma/masks.js';
import { gemmaParamSpecs } from '../../../src/models/gemma/names.js';
import { continuationLogProb, logSoftmaxAt } from '../../../src/models/paligemma/score.js';
import { initParams } from '../../../src/engine/init.js';
import { VizWizError } from '../../../src/errors.js';
import { TEST_DEVICE, onTestDevice } from '../../helpers/device.js';
import { TOL } from '../../helpers/tolerance.js';
import { assertClose, readConfig } from './helpers.js';

let config: GemmaConfig;
let resident: GemmaKvDecoder;
let copied: GemmaKvDecoder;
const B = 2;
const T = 5;
const STEPS = 3;

before(async () => {
  config = await readConfig('gemma');
  const weights = initParams(gemmaParamSpecs({ ...config, initializerRange: 0.5 }), 11);
  resident = await GemmaKvDecoder.create(config, weights, { session: onTestDevice() });
  copied = await GemmaKvDecoder.create(config, weights, { session: onTestDevice(), residentCache: false });
});

async function start(dec: GemmaKvDecoder, scoreTokens?: readonly number[], fetchLogits = true): Promise<DecodeStart> {
  const valid = new Uint8Array(B * T).fill(1);
  const ids = BigInt64Array.from({ length: B * T }, (_, i) => BigInt(3 + ((i * 7) % (config.vocab - 3))));
  const pre = await dec.prefill(
    {
      batch: B,
      length: T,
      inputIds: ids,
      positionIds: arangePositions(B, T),
      bias: causalBias(valid, B, T),
      lastIndex: [T - 1, T - 1],
      ...(scoreTokens ? { scoreTokens } : {}),
    },
    { logits: fetchLogits },
  );
  const scored = scoreTokens ? { scored: { tokens: scoreTokens, logProb: pre.scoreLogProb } } : {};
  const logits = pre.logits ? { logits: pre.logits } : {};
  return { cache: pre.cache, ...logits, argmax: pre.argmax, ...scored, keyValid: valid, nextPosition: [T, T] };
}

interface Steps {
  up: number[];
  down: number[];
  logits: Float32Array[];
  argmax: (readonly number[])[];
  scores: Float32Array[];
  cache: KvCache;
}

/** STEPS decode steps from `s` (feeding fixed tokens): per-step bytes up and down, logits (when fetched), choices, the last cache. */
async function steps(dec: GemmaKvDecoder, s: DecodeStart, fetchLogits = true): Promise<Steps> {
  let cache = s.cache;
  const up: number[] = [];
  const down: number[] = [];
  const logits: Float32Array[] = [];
  const argmax: (readonly number[])[] = [];
  const scores: Float32Array[] = [];
  dec.transfers({ reset: true });
  for (let k = 0; k < STEPS; k++) {
    const keys = cache.length + 1;
    const req = { tokens: [5 + k, 9 + k], positions: [T + k, T + k], bias: stepBias(new Uint8Array(B * keys).fill(1), B, keys), scoreTokens: [k, 7 * k + 3] };
    const res = await dec.step(cache, req, { logits: fetchLogits });
    if (cache !== s.cache) dec.release(cache);
    cache = res.cache;
    if (res.logits) logits.push(res.logits);
    argmax.push(res.argmax);
    scores.push(res.scoreLogProb);
    const t = dec.transfers({ reset: true });
    up.push(t.toDevice);
    down.push(t.toHost);
  }
  return { up, down, logits, argmax, scores, cache };
}

test('a decode step copies only its inputs, choices and (when fetched) logits when the cache is resident; all ways compute the same', async () => {
  const [a, b, g] = [await start(resident), await start(copied), await start(resident)];
  const r = await steps(resident, a);
  const c = await steps(copied, b);
  const t = await steps(resident, g, false); // greedy's steps: the choices only
  assert.equal(t.logits.length, 0, 'no logits fetched');
  for (let k = 0; k < STEPS; k++) {
    assertClose(`step ${k} logits`, r.logits[k] as Float32Array, c.logits[k] as Float32Array, TOL.unit);
    const host = [0, 1].map((row) => argmaxRow(r.logits[k] as Float32Array, row, config.vocab));
    assert.deepEqual(r.argmax[k], host, `step ${k}: the graph's choices are the host argmax of its logits`);
    assert.deepEqual(t.argmax[k], host, `step ${k}: the same choices without fetching the logits`);
    const scored = [k, 7 * k + 3].map((tok, row) => logSoftmaxAt(r.logits[k] as Float32Array, row, config.vocab, tok));
    assertClose(`step ${k} scores`, t.scores[k] as Float32Array, Float32Array.from(scored), TOL.unit);
  }
  const [rh, ch, th] = [await resident.hostCache(r.cache), await copied.hostCache(c.cache), await resident.hostCache(t.cache)];
  assert.equal(rh.length, T + STEPS);
  for (let l = 0; l < config.layers; l++) {
    assertClose(`key cache ${l}`, rh.keys[l]!.floats(), ch.keys[l]!.floats(), TOL.unit);
    assert.deepEqual(th.keys[l]!.floats(), rh.keys[l]!.floats(), `key cache ${l}: the same run whatever is fetched`);
  }
  for (const [d, x] of [
    [resident, a],
    [copied, b],
    [resident, g],
  ] as const) {
    d.release(x.cache);
  }
  resident.release(r.cache);
  resident.release(t.cache);

  const perRow = (s: number): number => 8 + 8 + 4 * s + 8 + 8; // token id, position, bias over S keys, last_row, score_token
  const cacheBytes = (s: number): number => 2 * config.layers * B * config.kvHeads * s * config.headDim * 4;
  const logitBytes = B * config.vocab * 4;
  const choiceBytes = B * (8 + 4); // next_token int64 and score_logprob float32, per row
  if (TEST_DEVICE === 'cpu') {
    assert.deepEqual([...r.up, ...r.down, ...c.up, ...c.down, ...t.up, ...t.down], new Array(6 * STEPS).fill(0), 'nothing is copied on the CPU');
    return;
  }
  for (let k = 0; k < STEPS; k++) {
    const p = T + k; // cached positions fed to step k
    assert.equal(r.up[k], B * perRow(p + 1), `resident step ${k}: bytes up`);
    assert.equal(r.down[k], logitBytes + choiceBytes, `resident step ${k}: bytes down`);
    assert.equal(t.up[k], B * perRow(p + 1), `resident step ${k}, choices only: bytes up`);
    assert.equal(t.down[k], choiceBytes, `resident step ${k}, choices only: bytes down`);
    assert.equal(c.up[k], B * perRow(p + 1) + cacheBytes(p), `host-cache step ${k}: bytes up`);
    assert.equal(c.down[k], logitBytes + choiceBytes + cacheBytes(p + 1), `host-cache step ${k}: bytes down`);
  }
  const last = STEPS - 1;
  console.log(
    `KV decode step on ${TEST_DEVICE} (B=${B}, P=${T + last}, V=${config.vocab}): cache on the host ${c.up[last]! + c.down[last]!} bytes copied, ` +
      `resident ${r.up[last]! + r.down[last]!} (down ${r.down[last]}), choices only ${t.up[last]! + t.down[last]!} (down ${t.down[last]})`,
  );
});

test('greedy decoding brings down only the token ids unless it keeps the step logits; the tokens are the host argmax', async () => {
  const s = await start(resident);
  const n = 4;
  const o = { maxNewTokens: n, eosTokenIds: [], padTokenId: 0 };
  resident.transfers({ reset: true });
  const kept = await greedyDecode(resident, s, { ...o, keepStepLogits: true });
  const withLogits = resident.transfers({ reset: true });
  const lean = await greedyDecode(resident, { ...s, logits: undefined }, o);
  const tokensOnly = resident.transfers({ reset: true });
  resident.release(s.cache);
  assert.deepEqual(Array.from(lean.tokens), Array.from(kept.tokens));
  const host = kept.stepLogits.flatMap((l) => [0, 1].map((row) => argmaxRow(l, row, config.vocab)));
  const byStep = Array.from({ length: n }, (_, k) => [0, 1].map((row) => Number(kept.tokens[row * n + k])));
  assert.deepEqual(byStep.flat(), host, 'each token is the first maximum of its step logits');
  assert.equal(withLogits.runs, n - 1);
  if (TEST_DEVICE === 'cpu') return assert.deepEqual([withLogits.toHost, tokensOnly.toHost], [0, 0]);
  assert.equal(withLogits.toHost, (n - 1) * B * (config.vocab * 4 + 12), 'keepStepLogits: logits and choices');
  assert.equal(tokensOnly.toHost, (n - 1) * B * 12, 'greedy: the choices (and scores) only');
  console.log(
    `greedy decoding on ${TEST_DEVICE} (B=${B}, V=${config.vocab}, ${n - 1} steps): ${withLogits.toHost} bytes down with the step logits, ${tokensOnly.toHost} without`,
  );
});

test('one prefill start serves several continuations; a released cache cannot be fed', async () => {
  const s = await start(resident);
  const o = { maxNewTokens: 4, eosTokenIds: [], padTokenId: 0, keepStepLogits: true };
  const first = await greedyDecode(resident, s, o);
  const again = await greedyDecode(resident, s, o);
  assert.deepEqual(Array.from(again.tokens), Array.from(first.tokens));
  const lp = await continuationLogProb(resident, s, [3, 4, 5]);
  const lp2 = await continuationLogProb(resident, s, [3, 4, 5]);
  assert.deepEqual(Array.from(lp2), Array.from(lp));
  // A start without logits scores from the prefill's own score of the first token (what answerQuestions does): no
  // logits come down, for the prefill or the scoring steps.
  resident.transfers({ reset: true });
  const lean = await start(resident, [3, 3], false);
  const prefillDown = resident.transfers({ reset: true }).toHost;
  const lp3 = await continuationLogProb(resident, lean, [3, 4, 5]);
  const scoringDown = resident.transfers({ reset: true }).toHost;
  assertClose('log P from the prefill score', Float32Array.from(lp3), Float32Array.from(lp), TOL.unit);
  await assert.rejects(continuationLogProb(resident, lean, [4, 5]), {
    message: 'continuationLogProb: the start has neither logits nor the score of token 4 (prefill with scoreTokens)',
  });
  resident.release(lean.cache);
  if (TEST_DEVICE !== 'cpu') assert.deepEqual([prefillDown, scoringDown], [B * 12, 2 * B * 12], 'choices and scores only');
  assert.ok(Array.from(lp).every((x) => Number.isFinite(x) && x < 0));
  const host = await resident.hostCache(s.cache);
  assert.equal(host.keys[0]!.floats().length, B * config.kvHeads * T * config.headDim);
  resident.release(s.cache);
  if (TEST_DEVICE === 'webgpu')
    await assert.rejects(
      resident.step(s.cache, { tokens: [1, 1], positions: [T, T], bias: stepBias(new Uint8Array(B * (T + 1)).fill(1), B, T + 1) }),
      (e: unknown) => e instanceof VizWizError && /disposed/.test(e.message),
    );
});
