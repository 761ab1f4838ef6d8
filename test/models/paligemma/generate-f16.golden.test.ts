/**
 * PaliGemma generation in half precision (PaliGemmaGenerator { dtype: 'float16' }: SigLIP + projector and the Gemma
 * KV-cache graph built with buildInference { dtype: 'float16' }) against the same transformers 4.44 goldens as
 * generate.golden.test.ts, at the float16 tolerance (test/helpers/tolerance.ts halfTol: 1e-2 of the tensor's largest
 * |value|): every step's logits (step 0 = the prefill's last row) and the final KV cache, which crosses the graph
 * boundary as float32 between steps. Greedy tokens of a toy model are knife-edge at float16 rounding, so a token is
 * asserted only where the golden's lead over the runner-up exceeds twice the tolerance, and the agreement of all the
 * tokens is asserted as a fraction. The check is `npm run test:webgpu`: the CPU provider computes most float16 ops in
 * float32 behind inserted Casts (decision 011), so these tests skip on the CPU.
 */

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { QUANT_SCHEMES } from '../../../src/engine/block-quantize.js';
import type { QuantizedSelection } from '../../../src/engine/quantized-weights.js';
import { PaliGemmaGenerator, type PaliGemmaGeneration } from '../../../src/models/paligemma/generate.js';
import type { GreedyOptions } from '../../../src/models/gemma/generate.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { topGap } from '../../helpers/margins.js';
import { goldenGreedy, goldenPath, hasGolden, maxAbsDiff, readTensors, sliceTime, tensor, type Tensors } from '../gemma/helpers.js';
import { goldenBatch, leftPadded } from './helpers.js';
import { onTestDevice, TEST_DEVICE } from '../../helpers/device.js';
import { absMax, halfTol } from '../../helpers/tolerance.js';

const skip = TEST_DEVICE === 'cpu' ? 'float16 is checked on WebGPU (npm run test:webgpu): the CPU provider computes most float16 ops in float32' : false;

/** Share of greedy tokens that must equal the golden's (measured: all of them on lavapipe; the decisive ones must). */
const TOKEN_AGREEMENT = 0.8;

let m: LoadedPaliGemma;
let half: PaliGemmaGenerator;
let full: PaliGemmaGenerator;
let inputs: Tensors;
let outputs: Tensors;

before(async () => {
  assert.ok(hasGolden('paligemma', ['config.json', 'model.safetensors']), 'golden paligemma/ missing');
  assert.ok(hasGolden('paligemma_generate', ['inputs.safetensors', 'outputs.safetensors']), 'golden paligemma_generate/ missing');
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  if (skip) return;
  half = await PaliGemmaGenerator.create(m.config, m.prefixes, m.weights, { session: onTestDevice(), dtype: 'float16' });
  full = await PaliGemmaGenerator.create(m.config, m.prefixes, m.weights, { session: onTestDevice() });
  inputs = await readTensors('paligemma_generate', 'inputs.safetensors');
  outputs = await readTensors('paligemma_generate', 'outputs.safetensors');
});

after(async () => {
  await half?.dispose();
  await full?.dispose();
});

const batchNames = (): string[] => [...outputs.keys()].filter((k) => k.endsWith('.generated_ids')).map((k) => k.slice(0, -'.generated_ids'.length));

const greedy = (n: number): GreedyOptions => goldenGreedy(m.config.text, n);

test('float16 image prefill + cached decoding match generate(): step logits, cache, decisive tokens', { skip }, async (t) => {
  const v = m.config.text.vocab;
  let agree = 0;
  let total = 0;
  for (const name of batchNames()) {
    const generated = tensor(outputs, `${name}.generated_ids`);
    const [b, n] = generated.shape as [number, number];
    const batch = goldenBatch(inputs, `${name}.`);
    const res: PaliGemmaGeneration = await half.generate(batch, { ...greedy(n), keepCache: true });
    const ref = await full.generate(batch, greedy(n));
    const steps = tensor(outputs, `${name}.step_logits`).data as Float32Array; // (B, n, V)
    const goldenIds = Array.from(generated.data as BigInt64Array, Number);
    // Tokens: a decisive golden choice must be ours; every step's logits are compared only while our tokens agree
    // (after a different token the sequences, and so their logits, part ways).
    let same = true;
    for (let k = 0; k < n && same; k++) {
      const golden = sliceTime(steps, b, n, v, k, k + 1);
      const got = res.stepLogits[k] as Float32Array;
      const tol = halfTol(golden);
      const err = maxAbsDiff(got, golden);
      t.diagnostic(
        `${name} step ${k}: float16 vs golden ${err.toExponential(2)} (${(err / absMax(golden)).toExponential(2)} of |max| ${absMax(golden).toFixed(2)}), ` +
          `vs float32 ${maxAbsDiff(got, ref.stepLogits[k] as Float32Array).toExponential(2)}, tolerance ${tol.toExponential(2)}`,
      );
      assert.ok(err <= tol, `${name} step ${k}: max abs diff ${err} > ${tol}`);
      for (let r = 0; r < b; r++) {
        const want = goldenIds[r * n + k] as number;
        const ours = k < res.steps ? Number(res.tokens[r * res.steps + k]) : m.config.text.padTokenId;
        total++;
        if (ours === want) agree++;
        else {
          same = false;
          const gap = topGap(golden, r, v);
          assert.ok(gap <= 2 * tol, `${name} row ${r} step ${k}: token ${ours} instead of ${want}, which leads by ${gap} > 2 x ${tol}`);
        }
      }
    }
    const cache = await half.decoder.hostCache(res.cache!); // resident on WebGPU
    half.decoder.release(res.cache!);
    if (!same) continue;
    let worst = 0;
    for (let l = 0; l < m.config.text.layers; l++) {
      for (const kind of ['key', 'value'] as const) {
        const want = tensor(outputs, `${name}.past_${kind}.${l}`);
        const got = (kind === 'key' ? cache.keys : cache.values)[l]!;
        assert.equal(got.dtype, 'float32', 'the cache leaves the graph as float32');
        assert.deepEqual([...got.dims], [...want.shape], `${name} ${kind} cache ${l} shape`);
        const err = maxAbsDiff(got.floats(), want.data as Float32Array);
        const tol = halfTol(want.data as Float32Array);
        worst = Math.max(worst, err / absMax(want.data as Float32Array));
        assert.ok(err <= tol, `${name} ${kind} cache ${l}: max abs diff ${err} > ${tol}`);
      }
    }
    t.diagnostic(`${name} cache: worst float16 error ${worst.toExponential(2)} of the tensor's |max|`);
  }
  t.diagnostic(`greedy tokens equal to the golden: ${agree}/${total}`);
  assert.ok(agree / total >= TOKEN_AGREEMENT, `only ${agree}/${total} greedy tokens equal the golden`);
});

/** Whether two generations chose the same tokens in steps [0, k) of every row. */
function sameTokens(a: PaliGemmaGeneration, b: PaliGemmaGeneration, rows: number, k: number): boolean {
  for (let r = 0; r < rows; r++) for (let i = 0; i < k; i++) if (a.tokens[r * a.steps + i] !== b.tokens[r * b.steps + i]) return false;
  return true;
}

test('float16: a left-padded prompt decodes as it does unpadded (the float32 bias MASKED stays finite in the graph)', { skip }, async () => {
  const name = batchNames()[0] as string;
  const base = goldenBatch(inputs, `${name}.`);
  const n = tensor(outputs, `${name}.generated_ids`).shape[1] as number;
  const plain = await half.generate(base, greedy(n));
  const padded = await half.generate(leftPadded(base, 3, m.config.text.padTokenId), greedy(n));
  for (let k = 0; k < n; k++) {
    const want = plain.stepLogits[k] as Float32Array;
    const got = padded.stepLogits[k] as Float32Array;
    assert.ok(
      got.every((x) => Number.isFinite(x)),
      `padded step ${k}: non-finite logits`,
    );
    // Compared while both chose the same tokens so far (greedy ties at float16 rounding may part them).
    if (k > 0 && !sameTokens(padded, plain, base.batch, k)) break;
    const err = maxAbsDiff(got, want);
    assert.ok(err <= halfTol(want), `padded step ${k}: max abs diff ${err} > ${halfTol(want)}`);
  }
});

test('float16 and block-quantized weights do not combine (refused before any session is made)', async () => {
  const quantized: QuantizedSelection = { names: new Set<string>(), scheme: QUANT_SCHEMES.int8 };
  await assert.rejects(
    PaliGemmaGenerator.create(m.config, m.prefixes, m.weights, { dtype: 'float16', quantized }),
    /float16 PaliGemma generator cannot read block-quantized weights/,
  );
});
