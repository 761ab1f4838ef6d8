/**
 * The PEFT format and merging: a saved adapter round-trips exactly (config fields as peft 0.12 writes them, every
 * tensor bit for bit) and loads back; adapters merged into the base weights (W + scaling * B @ A) give the adapted
 * model's logits; PEFT's target matching (suffix list, regex string) and config validation.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readSafetensors } from '../../../src/engine/safetensors.js';
import { InferenceRunner } from '../../../src/engine/inference-runner.js';
import { buildInference } from '../../../src/engine/inference.js';
import { loraConfig, loraConfigFromPeft, loraScaling } from '../../../src/models/lora/config.js';
import { mergeAdapters } from '../../../src/models/lora/merge.js';
import { paligemmaLoraModel, paligemmaLoraSet } from '../../../src/models/lora/paligemma-lora.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, loadAdapter, saveAdapter, type LoadedAdapter } from '../../../src/models/lora/peft-io.js';
import { matchesTarget, paligemmaLinears } from '../../../src/models/lora/targets.js';
import { paligemmaFeeds } from '../../../src/models/paligemma/feeds.js';
import { paligemmaModel } from '../../../src/models/paligemma/model.js';
import { loadPaligemmaCheckpoint, type LoadedPaliGemma } from '../../../src/models/paligemma/weights.js';
import { assertClose, goldenPath, readTensors, type Tensors } from '../gemma/helpers.js';
import { goldenBatch } from '../paligemma/helpers.js';

let m: LoadedPaliGemma;
let adapter: LoadedAdapter;
let inputs: Tensors;

before(async () => {
  m = await loadPaligemmaCheckpoint(goldenPath('paligemma'));
  adapter = await loadAdapter(goldenPath('paligemma_lora'), paligemmaLinears(m.config, m.prefixes));
  inputs = await readTensors('paligemma_lora', 'inputs.safetensors');
});

test('a saved adapter round-trips through the PEFT format', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vizwiz-lora-'));
  try {
    await saveAdapter(dir, adapter.set, adapter.tensors);
    const back = await loadAdapter(dir, paligemmaLinears(m.config, m.prefixes));
    assert.deepEqual(back.set, adapter.set);
    assert.deepEqual([...back.tensors.keys()].sort(), [...adapter.tensors.keys()].sort());
    for (const [k, v] of adapter.tensors) assert.deepEqual(back.tensors.get(k), v, k);
    const ours = JSON.parse(await readFile(path.join(dir, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
    const peft = JSON.parse(await readFile(goldenPath('paligemma_lora', ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(peft).sort(), 'the same fields as peft writes');
    for (const k of Object.keys(peft)) if (k !== 'base_model_name_or_path') assert.deepEqual(ours[k], peft[k], k);
    // Tensor names and shapes as PEFT's own file has them.
    const a = await readTensors('paligemma_lora', ADAPTER_WEIGHTS);
    const ourFile = await readSafetensors(path.join(dir, ADAPTER_WEIGHTS));
    assert.deepEqual([...ourFile.entries()].map(([k, t]) => [k, t.shape]).sort(), [...a.entries()].map(([k, t]) => [k, t.shape]).sort());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loading rejects adapters that do not fit the model', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vizwiz-lora-'));
  try {
    await saveAdapter(dir, adapter.set, adapter.tensors);
    const cfg = JSON.parse(await readFile(path.join(dir, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
    await writeFile(path.join(dir, ADAPTER_CONFIG), JSON.stringify({ ...cfg, target_modules: ['q_proj'] }));
    await assert.rejects(loadAdapter(dir, paligemmaLinears(m.config, m.prefixes)), /not targeted by the config/);
    await writeFile(path.join(dir, ADAPTER_CONFIG), JSON.stringify({ ...cfg, use_dora: true }));
    await assert.rejects(loadAdapter(dir, paligemmaLinears(m.config, m.prefixes)), /unsupported LoRA options: use_dora/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("merged weights (W + scaling * B @ A) give the adapted model's logits", async () => {
  const b = goldenBatch(inputs, '');
  const feeds = paligemmaFeeds(m.config, b);
  const adapted = await InferenceRunner.create(
    buildInference(paligemmaLoraModel(m.config, m.prefixes, adapter.set, { lossRows: false }), { outputs: ['logits'] }),
    new Map([...m.weights, ...adapter.tensors]),
  );
  const want = (await adapted.run(feeds)).logits!.floats();
  const merged = mergeAdapters(m.weights, adapter.set, adapter.tensors);
  assert.notEqual(merged.get(`${adapter.set.modules[0]?.module}.weight`), m.weights.get(`${adapter.set.modules[0]?.module}.weight`), 'a copy by default');
  const plain = await InferenceRunner.create(buildInference(paligemmaModel(m.config, { prefixes: m.prefixes }), { outputs: ['logits'] }), merged);
  const got = (await plain.run(feeds)).logits?.data as Float32Array;
  const d = assertClose('merged logits', got, want);
  console.log(`merged vs adapter logits max abs diff ${d}`);
  await adapted.dispose();
  await plain.dispose();
});

test('target modules match as PEFT matches them', () => {
  assert.ok(matchesTarget('language_model.model.layers.0.self_attn.q_proj', ['q_proj']));
  assert.ok(matchesTarget('q_proj', ['q_proj']));
  assert.ok(!matchesTarget('language_model.model.layers.0.self_attn.xq_proj', ['q_proj']));
  assert.ok(matchesTarget('language_model.model.layers.1.mlp.up_proj', '.*language_model.*\\.(up|down)_proj'));
  assert.ok(!matchesTarget('vision_tower.vision_model.encoder.layers.0.mlp.fc1', '.*language_model.*'));
  const set = paligemmaLoraSet(m.config, m.prefixes, loraConfig());
  const v = m.config.vision.layers * 3;
  const t = m.config.text.layers * 7;
  assert.equal(set.modules.length, v + t, 'default targets: SigLIP q/k/v + 7 Gemma projections per layer');
  assert.equal(loraScaling(loraConfig({ r: 4, alpha: 8 })), 2);
  assert.equal(loraScaling(loraConfig({ r: 4, alpha: 8, useRslora: true })), 4);
  assert.throws(() => loraConfig({ r: 0 }), /rank/);
  assert.throws(() => paligemmaLoraSet(m.config, m.prefixes, loraConfig({ targetModules: ['nothing'] })), /match no Linear/);
  assert.throws(() => loraConfigFromPeft({ peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj'], bias: 'all' }), /bias/);
});
