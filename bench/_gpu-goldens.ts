/**
 * The golden checks of `bench gpu` on one device: the tiny reference models of test/fixtures (transformers 4.44 /
 * PEFT 0.12 / plain PyTorch outputs) run through the library on that device, and the largest absolute error of every
 * output is printed, one JSON line per golden:
 *   {"name":"gpu-golden-<id>","device":..,"ok":..,"max_abs_err":{output: err},"tol":{output: tol},"seconds":..}
 * `tol` is the CPU golden tolerance (docs/decisions/005-golden-tolerances.md, test/helpers/tolerance.ts; 1e-4 relative for gradients); `ok` says
 * whether every error is within it. This is a measurement, not a test: a device may need looser tolerances (issue 12
 * item 1 decides them), so nothing here fails the bench. Feeds are plain arrays given to library functions (no
 * onnxruntime import here); each golden is independent, and an error in one is reported on its line.
 */

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import type { Device } from '../src/engine/device.js';
import { adam } from '../src/engine/optim.js';
import { readSafetensors, type TensorData } from '../src/engine/safetensors.js';
import { Tensor } from '../src/engine/tensor.js';
import { InferenceRunner } from '../src/engine/inference-runner.js';
import { TrainSession } from '../src/engine/train-session.js';
import { buildInference } from '../src/engine/inference.js';
import { buildTrainStep } from '../src/engine/train-step.js';
import { gradName } from '../src/engine/names.js';
import { parseClipConfig } from '../src/models/clip/config.js';
import { clipModelFor, clipVisionModel } from '../src/models/clip/model.js';
import { GemmaKvDecoder } from '../src/models/gemma/kv-decoder.js';
import { arangePositions, causalBias } from '../src/models/gemma/masks.js';
import { loadGemmaCheckpoint } from '../src/models/gemma/weights.js';
import { clipLinearHead, clipLinearLoss } from '../src/models/heads/clip-linear.js';
import { loadAdapter } from '../src/models/lora/peft-io.js';
import { paligemmaLinears } from '../src/models/lora/targets.js';
import { LoraTrainer } from '../src/models/lora/trainer.js';
import { paligemmaFeeds, type PaliGemmaBatch } from '../src/models/paligemma/feeds.js';
import { PaliGemmaGenerator } from '../src/models/paligemma/generate.js';
import { selectedRowsLoss } from '../src/models/paligemma/loss.js';
import { paligemmaModel } from '../src/models/paligemma/model.js';
import { loadPaligemmaCheckpoint } from '../src/models/paligemma/weights.js';
import { siglipVisionModel } from '../src/models/siglip/model.js';
import { loadSiglipCheckpoint } from '../src/models/siglip/weights.js';
import { BatchAssembler } from '../src/train/batches.js';
import { absMax, maxAbsDiff, outputTol } from '../test/helpers/tolerance.js';
import { emit, errorText, log, sig } from './_gpu-protocol.js';

type Tensors = Map<string, { shape: readonly number[]; data: TensorData }>;

/** Per output: the largest absolute error and the tolerance it is held to (relative ones say so in the name). */
type Errors = Record<string, { err: number; tol: number }>;

const GRAD_REL_TOL = 1e-4;

function get(m: Tensors, name: string): { shape: readonly number[]; data: TensorData } {
  const t = m.get(name);
  if (!t) throw new Error(`golden tensor '${name}' is missing`);
  return t;
}

const floats = (m: Tensors, name: string): Float32Array => get(m, name).data as Float32Array;

function absErr(got: ArrayLike<number> | undefined, want: Float32Array): { err: number; tol: number } {
  if (!got) throw new Error('an output is missing');
  return { err: maxAbsDiff(got, want), tol: outputTol(want) };
}

function relErr(got: ArrayLike<number> | undefined, want: Float32Array): { err: number; tol: number } {
  if (!got) throw new Error('a gradient is missing');
  return { err: maxAbsDiff(got, want) / Math.max(absMax(want), 1e-30), tol: GRAD_REL_TOL };
}

/** The worst of several errors under one name. */
function worst(into: Errors, name: string, e: { err: number; tol: number }): void {
  const prev = into[name];
  if (!prev || e.err / e.tol > prev.err / prev.tol) into[name] = e;
}

/** Rows (B, T, W) where attention_mask is 1, flattened (logits at padding are not meaningful). */
function realRows(a: Float32Array, mask: ArrayLike<number | bigint>, width: number): Float32Array {
  const keep: number[] = [];
  for (let i = 0; i < mask.length; i++) if (Number(mask[i]) !== 0) keep.push(i);
  const out = new Float32Array(keep.length * width);
  keep.forEach((r, k) => out.set(a.subarray(r * width, (r + 1) * width), k * width));
  return out;
}

function goldenBatch(inputs: Tensors, prefix: string): PaliGemmaBatch {
  const ids = get(inputs, `${prefix}input_ids`);
  const [batch, length] = ids.shape as [number, number];
  const b: PaliGemmaBatch = {
    batch,
    length,
    inputIds: ids.data as BigInt64Array,
    attentionMask: (inputs.get(`${prefix}attention_mask`)?.data as BigInt64Array | undefined) ?? new BigInt64Array(batch * length).fill(1n),
    pixelValues: floats(inputs, `${prefix}pixel_values`),
  };
  if (inputs.has(`${prefix}token_type_ids`)) b.tokenTypeIds = get(inputs, `${prefix}token_type_ids`).data as BigInt64Array;
  if (inputs.has(`${prefix}labels`)) b.labels = get(inputs, `${prefix}labels`).data as BigInt64Array;
  return b;
}

interface Golden {
  id: string;
  run(dir: (folder: string) => string, device: Device): Promise<Errors>;
}

const load = (dir: string, file: string): Promise<Tensors> => readSafetensors(path.join(dir, file));

/** A CLIP vision tower (+ projection) on pixel_values; `rename` maps golden output names to the graph's. */
async function clipVision(dir: string, device: Device, whole: boolean): Promise<Errors> {
  const config = parseClipConfig(JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')));
  const [weights, inputs, outputs] = await Promise.all([load(dir, 'model.safetensors'), load(dir, 'inputs.safetensors'), load(dir, 'outputs.safetensors')]);
  const rename: Record<string, string> = whole
    ? {
        image_embeds_unnormalized: 'image_embeds',
        image_embeds: 'image_embeds_normalized',
        'vision_model.last_hidden_state': 'last_hidden_state',
        'vision_model.pooler_output': 'pooler_output',
      }
    : Object.fromEntries([...outputs.keys()].map((k) => [k, k]));
  if (!config.vision) throw new Error('the config has no vision tower');
  const model = whole ? clipVisionModel(config.vision) : clipModelFor(config);
  const params = new Map(model.params.map((s) => [s.name, floats(weights, s.name)]));
  const runner = await InferenceRunner.create(buildInference(model, { outputs: Object.values(rename) }), params, { device });
  try {
    const px = get(inputs, 'pixel_values');
    const out = await runner.run({ pixel_values: Tensor.f32(px.data as Float32Array, px.shape) });
    const errors: Errors = {};
    for (const [golden, ours] of Object.entries(rename)) errors[golden] = absErr(out[ours]?.data as Float32Array | undefined, floats(outputs, golden));
    return errors;
  } finally {
    await runner.dispose();
  }
}

export const GOLDENS: readonly Golden[] = [
  { id: 'clip-vision-with-projection', run: (dir, device) => clipVision(dir('clip_vision_with_projection'), device, false) },
  { id: 'clip-model-vision-tower', run: (dir, device) => clipVision(dir('clip'), device, true) },
  {
    id: 'siglip-vision',
    async run(dir, device) {
      const m = await loadSiglipCheckpoint(dir('siglip_vision'));
      const [inputs, outputs] = await Promise.all([load(dir('siglip_vision'), 'inputs.safetensors'), load(dir('siglip_vision'), 'outputs.safetensors')]);
      const runner = await InferenceRunner.create(buildInference(siglipVisionModel(m.config, { prefix: m.prefix })), m.weights, { device });
      try {
        const px = get(inputs, 'pixel_values');
        const out = await runner.run({ pixel_values: Tensor.f32(px.data as Float32Array, px.shape) });
        const names = [...outputs.keys()].filter((k) => k === 'last_hidden_state' || k === 'pooler_output' || k.startsWith('hidden_states.'));
        return Object.fromEntries(names.map((k) => [k, absErr(out[k]?.data as Float32Array | undefined, floats(outputs, k))]));
      } finally {
        await runner.dispose();
      }
    },
  },
  {
    // Prefill graph (KV-cache path) once per position t, reading the logits of row t: every real position's logits.
    id: 'gemma-logits',
    async run(dir, device) {
      const m = await loadGemmaCheckpoint(dir('gemma'));
      const [inputs, outputs] = await Promise.all([load(dir('gemma'), 'inputs.safetensors'), load(dir('gemma'), 'outputs.safetensors')]);
      const ids = get(inputs, 'input_ids');
      const [b, t] = ids.shape as [number, number];
      const mask = (inputs.get('attention_mask')?.data as BigInt64Array | undefined) ?? new BigInt64Array(b * t).fill(1n);
      const v = m.config.vocab;
      const want = floats(outputs, 'logits'); // (B, T, V)
      const dec = await GemmaKvDecoder.create(m.config, m.weights, { prefix: m.prefix, input: 'ids', session: { device } });
      try {
        const errors: Errors = {};
        const bias = causalBias(mask, b, t);
        for (let k = 0; k < t; k++) {
          const res = await dec.prefill({
            batch: b,
            length: t,
            inputIds: ids.data as BigInt64Array,
            positionIds: arangePositions(b, t),
            bias,
            lastIndex: new Array<number>(b).fill(k),
          });
          for (let r = 0; r < b; r++) {
            if (Number(mask[r * t + k]) === 0) continue;
            const row = want.subarray((r * t + k) * v, (r * t + k + 1) * v);
            worst(errors, 'logits', { err: maxAbsDiff(res.logits.subarray(r * v, (r + 1) * v), row), tol: outputTol(want) });
          }
        }
        return errors;
      } finally {
        await dec.dispose();
      }
    },
  },
  {
    id: 'paligemma-forward',
    async run(dir, device) {
      const m = await loadPaligemmaCheckpoint(dir('paligemma'));
      const [inputs, outputs] = await Promise.all([load(dir('paligemma'), 'inputs.safetensors'), load(dir('paligemma'), 'outputs.safetensors')]);
      const errors: Errors = {};
      const infer = goldenBatch(inputs, 'infer.');
      const logits = await InferenceRunner.create(buildInference(paligemmaModel(m.config, { prefixes: m.prefixes }), { outputs: ['logits'] }), m.weights, {
        device,
      });
      try {
        const out = await logits.run(paligemmaFeeds(m.config, infer));
        const v = m.config.text.vocab;
        const got = out.logits?.data as Float32Array | undefined;
        if (!got) throw new Error('no logits');
        errors['infer.logits'] = absErr(realRows(got, infer.attentionMask, v), realRows(floats(outputs, 'infer.logits'), infer.attentionMask, v));
      } finally {
        await logits.dispose();
      }
      const rows = await InferenceRunner.create(
        buildInference(paligemmaModel(m.config, { prefixes: m.prefixes, lossRows: true }), { outputs: [], loss: selectedRowsLoss() }),
        m.weights,
        { device },
      );
      try {
        const out = await rows.run(paligemmaFeeds(m.config, goldenBatch(inputs, 'train.')));
        errors['train.loss'] = absErr(out.loss?.data as Float32Array | undefined, floats(outputs, 'train.loss'));
      } finally {
        await rows.dispose();
      }
      return errors;
    },
  },
  {
    // One LoRA step at learning rate 0: the loss and every adapter gradient (SigLIP q/k/v included) against PEFT.
    id: 'paligemma-lora-step',
    async run(dir, device) {
      const m = await loadPaligemmaCheckpoint(dir('paligemma'));
      const adapter = await loadAdapter(dir('paligemma_lora'), paligemmaLinears(m.config, m.prefixes));
      const [inputs, outputs, grads] = await Promise.all(['inputs', 'outputs', 'grads'].map((f) => load(dir('paligemma_lora'), `${f}.safetensors`)));
      const trainer = await LoraTrainer.create(m.config, m.prefixes, m.weights, adapter.set, adapter.tensors, { exposeGradients: true, session: { device } });
      try {
        const res = await trainer.step(goldenBatch(inputs as Tensors, ''), 0);
        const errors: Errors = { loss: absErr([res.loss], floats(outputs as Tensors, 'loss')) };
        for (const [name, g] of grads as Tensors) worst(errors, 'adapter_grads (relative)', relErr(res.grads.get(name), g.data as Float32Array));
        return errors;
      } finally {
        await trainer.dispose();
      }
    },
  },
  {
    // Image prefill + cached greedy decoding against generate(): the generated ids must be equal, every step's logits close.
    id: 'paligemma-generate',
    async run(dir, device) {
      const m = await loadPaligemmaCheckpoint(dir('paligemma'));
      const [inputs, outputs] = await Promise.all([
        load(dir('paligemma_generate'), 'inputs.safetensors'),
        load(dir('paligemma_generate'), 'outputs.safetensors'),
      ]);
      const gen = await PaliGemmaGenerator.create(m.config, m.prefixes, m.weights, { session: { device } });
      try {
        const errors: Errors = {};
        const names = [...outputs.keys()].filter((k) => k.endsWith('.generated_ids')).map((k) => k.slice(0, -'.generated_ids'.length));
        for (const name of names) {
          const generated = get(outputs, `${name}.generated_ids`);
          const [b, n] = generated.shape as [number, number];
          const eos = [m.config.text.eosTokenId];
          const res = await gen.generate(goldenBatch(inputs, `${name}.`), {
            maxNewTokens: n,
            eosTokenIds: eos,
            padTokenId: m.config.text.padTokenId,
            keepStepLogits: true,
          });
          const same = Array.from(res.tokens, Number).join(',') === Array.from(generated.data as BigInt64Array, Number).join(',');
          errors[`${name}.generated_ids (0 = equal)`] = { err: same ? 0 : 1, tol: 0 };
          const steps = floats(outputs, `${name}.step_logits`); // (B, n, V)
          const v = m.config.text.vocab;
          for (let k = 0; k < Math.min(n, res.stepLogits.length); k++) {
            const want = new Float32Array(b * v);
            for (let r = 0; r < b; r++) want.set(steps.subarray((r * n + k) * v, (r * n + k + 1) * v), r * v);
            worst(errors, `${name}.step_logits`, absErr(res.stepLogits[k], want));
          }
        }
        return errors;
      } finally {
        await gen.dispose();
      }
    },
  },
  {
    // The clip-linear head: forward outputs, losses and gradients of one Adam step (dropout off, as the golden's eval()).
    id: 'head-adam-step',
    async run(dir, device) {
      const folder = dir('head');
      const [inputs, params, outputs, grads] = await Promise.all(['inputs', 'params', 'outputs', 'grads'].map((f) => load(folder, `${f}.safetensors`)));
      const dim = (m: Tensors, name: string, axis: number): number => get(m, name).shape[axis] as number;
      const config = {
        imageDim: dim(inputs as Tensors, 'image_feat', 1),
        textDim: dim(inputs as Tensors, 'text_feat', 1),
        hidden: dim(params as Tensors, 'answer_fc1.weight', 0),
        numAnswers: dim(params as Tensors, 'answer_fc2.weight', 0),
        numTypes: dim(params as Tensors, 'type_fc.weight', 0),
        answerableHidden: dim(params as Tensors, 'answerable_fc1.weight', 0),
      };
      const forward = ['answer_logits', 'answer_logits_raw', 'type_logits', 'type_gate', 'hidden', 'answerable_logit'];
      const losses = ['loss_total', 'loss_answer', 'loss_type', 'loss_answerable'];
      const graph = buildTrainStep(clipLinearHead(config), clipLinearLoss(config), adam(), { dropout: false, exposeGradients: true, exposeOutputs: forward });
      const session = await TrainSession.create(graph, new Map([...(params as Tensors)].map(([k, t]) => [k, t.data as Float32Array])), { device });
      try {
        const rows = dim(inputs as Tensors, 'image_feat', 0);
        const feature = (name: string): { data: Float32Array; rows: number; dim: number } => ({
          data: floats(inputs as Tensors, name),
          rows,
          dim: dim(inputs as Tensors, name, 1),
        });
        const toInt = (name: string): Int32Array => Int32Array.from(get(inputs as Tensors, name).data as BigInt64Array, Number);
        const labels = { answer: toInt('answer_label'), type: toInt('type_label'), answerable: floats(inputs as Tensors, 'answerable') };
        const assembler = new BatchAssembler(
          { image_feat: feature('image_feat'), text_feat: feature('text_feat') },
          labels,
          graph.batchInputs.map((s) => s.name),
        );
        const res = await session.step(assembler.gather(Int32Array.from({ length: rows }, (_, i) => i)), 0.005);
        const errors: Errors = {};
        for (const name of forward) errors[name] = absErr(res.extra[name]?.data as Float32Array | undefined, floats(outputs as Tensors, name));
        for (const name of losses) errors[name] = absErr([res.losses[name] as number], floats(outputs as Tensors, name));
        for (const [name, g] of grads as Tensors)
          worst(errors, 'grads (relative)', relErr(res.extra[gradName(name)]?.data as Float32Array | undefined, g.data as Float32Array));
        return errors;
      } finally {
        await session.dispose();
      }
    },
  },
];

/** Runs every golden (or those in `only`) on `device`, one line each; returns how many were within tolerance. */
export async function runGoldens(fixtures: string, device: Device, only?: ReadonlySet<string>): Promise<number> {
  let ok = 0;
  for (const g of GOLDENS) {
    if (only && !only.has(g.id)) continue;
    const t0 = performance.now();
    try {
      const errors = await g.run((folder) => path.join(fixtures, folder), device);
      const within = Object.values(errors).every((e) => e.err <= e.tol);
      if (within) ok++;
      const seconds = (performance.now() - t0) / 1000;
      log(`golden ${g.id} on ${device}: ${within ? 'within' : 'OUTSIDE'} the CPU tolerances (${seconds.toFixed(1)} s)`);
      emit({
        name: `gpu-golden-${g.id}`,
        device,
        ok: within,
        max_abs_err: Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, sig(e.err, 3) ?? 'inf'])),
        tol: Object.fromEntries(Object.entries(errors).map(([k, e]) => [k, e.tol])),
        seconds: sig(seconds, 3),
      });
    } catch (e) {
      log(`golden ${g.id} on ${device} failed: ${errorText(e)}`);
      emit({ name: `gpu-golden-${g.id}`, device, ok: false, error: errorText(e), seconds: sig((performance.now() - t0) / 1000, 3) });
    }
  }
  return ok;
}
