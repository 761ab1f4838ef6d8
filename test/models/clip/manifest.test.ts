/**
 * The real architecture without its weights: the CLIPModel built from the openai/clip-vit-large-patch14-336 manifest's
 * config (test/fixtures/manifests) has exactly the manifest's parameters (names, shapes, module order, 427,944,193
 * values), and the config reads as the reference says (ViT-L/14 at 336: 577 tokens; legacy eos pooling).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClipConfig, visionTokens } from '../../../src/models/clip/config.js';
import { clipModelParams } from '../../../src/models/clip/model.js';
import { manifestMismatches, readManifest } from '../../../src/models/clip/weights.js';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'manifests', 'clip-vit-large-patch14-336.json');

test('CLIP ViT-L/14@336: the model code has the manifest parameters', async () => {
  const manifest = await readManifest(file);
  const config = parseClipConfig(manifest.config);
  assert.equal(config.architecture, 'CLIPModel');
  const v = config.vision!;
  const t = config.text!;
  assert.deepEqual([v.hidden, v.layers, v.heads, v.intermediate, v.patchSize, v.imageSize, visionTokens(v)], [1024, 24, 16, 4096, 14, 336, 577]);
  assert.deepEqual([t.hidden, t.layers, t.heads, t.intermediate, t.vocabSize, t.maxPositions, t.eosTokenId], [768, 12, 12, 3072, 49408, 77, 2]);
  assert.equal(v.activation, 'quick_gelu');
  assert.equal(config.projectionDim, 768);
  const specs = clipModelParams(config);
  assert.deepEqual(manifestMismatches(specs, manifest), []);
  assert.equal(
    specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0),
    427_944_193,
  );
});

test('a manifest that disagrees is reported name by name', async () => {
  const manifest = await readManifest(file);
  const specs = clipModelParams(parseClipConfig(manifest.config));
  const edited = { ...manifest, parameters: { ...manifest.parameters, 'visual_projection.weight': [512, 1024], extra: [1] } };
  assert.deepEqual(manifestMismatches(specs, edited), [
    "'visual_projection.weight': manifest [512, 1024], model [768, 1024]",
    "manifest parameter 'extra' is not in the model",
  ]);
});
