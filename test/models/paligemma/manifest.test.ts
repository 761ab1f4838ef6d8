/**
 * The real google/paligemma-3b-pt-224 layout (test/fixtures/manifests/paligemma-3b-pt-224.json, from transformers
 * 4.44.2's named_parameters): our config reading gives exactly its parameter names and shapes (the tied lm_head
 * aside), 2,923,466,480 parameters, and the HF LoRA recipe (r 8 on q/k/v/o/gate/up/down) gives the 11,298,816
 * trainable parameters the reference quotes.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loraParamSpecs } from '../../../src/models/lora/adapters.js';
import { loraConfig } from '../../../src/models/lora/config.js';
import { paligemmaLoraSet } from '../../../src/models/lora/paligemma-lora.js';
import { paligemmaConfigFromHf } from '../../../src/models/paligemma/config.js';
import { LEGACY_PREFIXES, paligemmaParamSpecs } from '../../../src/models/paligemma/names.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(here, '..', '..', 'fixtures', 'manifests', 'paligemma-3b-pt-224.json'), 'utf8')) as {
  parameters: Record<string, number[]>;
  config: unknown;
  total_params: number;
};

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

test('paligemma-3b-pt-224: every parameter name and shape, and the total', () => {
  const c = paligemmaConfigFromHf(manifest.config);
  assert.equal(c.numImageTokens, 256);
  assert.equal(c.imageTokenIndex, 257152);
  const specs = paligemmaParamSpecs(c, LEGACY_PREFIXES);
  const listed = Object.entries(manifest.parameters).filter(([name]) => !name.endsWith('lm_head.weight'));
  assert.deepEqual(new Map(specs.map((s) => [s.name, [...s.shape]])), new Map(listed));
  assert.equal(
    specs.reduce((a, s) => a + count(s.shape), 0),
    manifest.total_params,
  );
});

test('the HF LoRA recipe trains 11,298,816 parameters (SigLIP q/k/v included)', () => {
  const c = paligemmaConfigFromHf(manifest.config);
  const set = paligemmaLoraSet(c, LEGACY_PREFIXES, loraConfig({ r: 8, alpha: 8 }));
  assert.equal(
    loraParamSpecs(set).reduce((a, s) => a + count(s.shape), 0),
    11_298_816,
  );
});
