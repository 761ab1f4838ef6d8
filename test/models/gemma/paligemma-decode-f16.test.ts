/**
 * Gemma's KV-cache graph in half precision (GemmaKvDecoder { dtype: 'float16' }):
 * - PaliGemma's greedy decode steps (golden/paligemma_generate) from the golden's own prefill cache, as
 *   paligemma-decode.test.ts does in float32: step logits and the whole final cache at the float16 tolerance
 *   (halfTol: 1e-2 of the tensor's largest |value|), tokens where the golden's choice is decisive at it. Skipped on
 *   the CPU, whose provider computes most float16 ops in float32 (decision 011): `npm run test:webgpu` runs it.
 * - The float32 biases the host builds hold float32's lowest value, which a Cast to float16 makes -inf; a left-padded
 *   causal prompt has padded queries with every key masked, whose softmax is then NaN and spreads to every row
 *   through the cache. The graph raises the bias to a value float16 holds (decoder.ts halfSafeBias). This one runs on
 *   every device: the CPU provider Casts to float16 as IEEE does (-inf; it fails there without the fix), while Mesa's
 *   lavapipe happens to saturate the Cast to -65504.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GemmaConfig } from '../../../src/models/gemma/config.js';
import { generateGreedy, greedyDecode } from '../../../src/models/gemma/generate.js';
import { GemmaKvDecoder } from '../../../src/models/gemma/kv-decoder.js';
import { loadGemmaCheckpoint } from '../../../src/models/gemma/weights.js';
import { gemmaParamSpecs } from '../../../src/models/gemma/names.js';
import { initParams } from '../../../src/engine/init.js';
import { topGap } from '../../helpers/margins.js';
import { onTestDevice, TEST_DEVICE } from '../../helpers/device.js';
import { absMax, halfTol } from '../../helpers/tolerance.js';
import { goldenDecodeStart, goldenGreedy, goldenPath, hasGolden, maxAbsDiff, readTensors, sliceTime, tensor, type Tensors } from './helpers.js';

const skip = TEST_DEVICE === 'cpu' ? 'float16 is checked on WebGPU (npm run test:webgpu): the CPU provider computes most float16 ops in float32' : false;

/** Share of greedy tokens that must equal the golden's (measured: all of them on lavapipe; the decisive ones must). */
const TOKEN_AGREEMENT = 0.8;

let config: GemmaConfig;
let weights: Map<string, Float32Array>;
let prefix: string;

before(async () => {
  assert.ok(hasGolden('paligemma', ['config.json', 'model.safetensors']), 'golden paligemma/ missing');
  assert.ok(hasGolden('paligemma_generate', ['inputs.safetensors', 'outputs.safetensors']), 'golden paligemma_generate/ missing');
  ({ config, weights, prefix } = await loadGemmaCheckpoint(goldenPath('paligemma')));
});

test('float16 cached decode steps match generate() from its prefill cache: step logits, cache, decisive tokens', { skip }, async (t) => {
  const dec = await GemmaKvDecoder.create(config, weights, { prefix, session: onTestDevice(), dtype: 'float16' });
  const inputs: Tensors = await readTensors('paligemma_generate', 'inputs.safetensors');
  const outputs: Tensors = await readTensors('paligemma_generate', 'outputs.safetensors');
  const v = config.vocab;
  let agree = 0;
  let total = 0;
  try {
    for (const name of [...outputs.keys()].filter((k) => k.endsWith('.generated_ids')).map((k) => k.slice(0, -'.generated_ids'.length))) {
      const generated = tensor(outputs, `${name}.generated_ids`);
      const { start, b, n } = goldenDecodeStart(config, inputs, outputs, name);
      const stepLogits = tensor(outputs, `${name}.step_logits`).data as Float32Array; // (B, n, V)
      const layers = Array.from({ length: config.layers }, (_, l) => l);
      const res = await greedyDecode(dec, start, goldenGreedy(config, n));
      const goldenIds = Array.from(generated.data as BigInt64Array, Number);
      let same = true;
      for (let k = 0; k < n && same; k++) {
        const golden = sliceTime(stepLogits, b, n, v, k, k + 1);
        if (k > 0) {
          const err = maxAbsDiff(res.stepLogits[k] as Float32Array, golden);
          const tol = halfTol(golden);
          t.diagnostic(
            `${name} step ${k}: float16 vs golden ${err.toExponential(2)} (${(err / absMax(golden)).toExponential(2)} of |max|), tolerance ${tol.toExponential(2)}`,
          );
          assert.ok(err <= tol, `${name} step ${k}: max abs diff ${err} > ${tol}`);
        }
        for (let r = 0; r < b; r++) {
          const want = goldenIds[r * n + k] as number;
          const ours = k < res.steps ? Number(res.tokens[r * res.steps + k]) : config.padTokenId;
          total++;
          if (ours === want) agree++;
          else {
            same = false;
            const gap = topGap(golden, r, v);
            assert.ok(gap <= 2 * halfTol(golden), `${name} row ${r} step ${k}: token ${ours} instead of ${want}, which leads by ${gap}`);
          }
        }
      }
      const host = await dec.hostCache(res.cache!); // resident on WebGPU
      dec.release(res.cache!);
      if (!same) continue;
      let worst = 0;
      for (const l of layers) {
        for (const kind of ['key', 'value'] as const) {
          const want = tensor(outputs, `${name}.past_${kind}.${l}`).data as Float32Array;
          const got = (kind === 'key' ? host.keys : host.values)[l]!;
          assert.equal(got.dtype, 'float32', 'the cache leaves the graph as float32');
          const err = maxAbsDiff(got.floats(), want);
          worst = Math.max(worst, err / absMax(want));
          assert.ok(err <= halfTol(want), `${name} ${kind} cache ${l}: max abs diff ${err} > ${halfTol(want)}`);
        }
      }
      t.diagnostic(`${name} cache (${host.length} positions): worst float16 error ${worst.toExponential(2)} of the tensor's |max|`);
    }
  } finally {
    await dec.dispose();
  }
  t.diagnostic(`greedy tokens equal to the golden: ${agree}/${total}`);
  assert.ok(agree / total >= TOKEN_AGREEMENT, `only ${agree}/${total} greedy tokens equal the golden`);
});

test('float16: a left-padded causal prompt (padded queries with every key masked) gives finite logits, as float32 does', async () => {
  // Larger random weights than the golden's, as kv-cache.test.ts: logits far from uniform.
  const strong = initParams(gemmaParamSpecs({ ...config, initializerRange: 0.5 }), 7);
  const [full, half] = await Promise.all(
    (['float32', 'float16'] as const).map((dtype) => GemmaKvDecoder.create(config, strong, { session: onTestDevice(), dtype })),
  );
  try {
    const pad = 4;
    const prompt = [2n, 17n, 42n, 99n, 7n];
    const t = pad + prompt.length;
    const ids = new BigInt64Array(2 * t);
    ids.set(prompt, pad); // row 0 left-padded
    ids.set(prompt, t + pad); // row 1 too, its padding ids differ (masked all the same)
    ids.fill(5n, t, t + pad);
    const mask = Uint8Array.from({ length: 2 * t }, (_, i) => (i % t >= pad ? 1 : 0));
    const o = { maxNewTokens: 3, eosTokenIds: [], padTokenId: config.padTokenId, keepStepLogits: true };
    const want = await generateGreedy(full!, { batch: 2, length: t, inputIds: ids, attentionMask: mask }, o);
    const got = await generateGreedy(half!, { batch: 2, length: t, inputIds: ids, attentionMask: mask }, o);
    const logits = got.stepLogits[0] as Float32Array;
    assert.ok(
      logits.every((x) => Number.isFinite(x)),
      'float16 prefill logits are not all finite',
    );
    const err = maxAbsDiff(logits, want.stepLogits[0] as Float32Array);
    assert.ok(err <= halfTol(want.stepLogits[0] as Float32Array), `prefill logits: float16 vs float32 ${err} > ${halfTol(want.stepLogits[0] as Float32Array)}`);
  } finally {
    await Promise.all([full?.dispose(), half?.dispose()]);
  }
});
