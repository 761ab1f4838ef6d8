/**
 * The PaliGemma processor on a tiny Gemma-style tokenizer (test/models/paligemma/tokenizer/, built by
 * /work/scratch-paligemma/make_tokenizer.py: ids 0-3 special, "\n" = 108, "<image>" = 256 as in the tiny golden model):
 * exact token ids of prompts and answers, byte fallback, the prefix/suffix layout with token types and labels, left
 * padding, decoding, the versioned template, and SigLIP preprocessing of an RgbImage.
 */

import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pilResize } from '../../../src/images/resample/pil-resize.js';
import { paligemmaConfigFromHf, type PaliGemmaConfig } from '../../../src/models/paligemma/config.js';
import { PaliGemmaProcessor } from '../../../src/models/paligemma/processor.js';
import { ANSWER_EN_V1, promptTemplate, renderPrompt } from '../../../src/models/paligemma/prompt.js';
import { GemmaTokenizer } from '../../../src/models/paligemma/tokenizer.js';
import { siglipPreprocess } from '../../../src/models/siglip/preprocess.js';
import { readFileSync } from 'node:fs';

const here = path.dirname(fileURLToPath(import.meta.url));
let tok: GemmaTokenizer;
let config: PaliGemmaConfig;

before(async () => {
  tok = await GemmaTokenizer.fromFolder(path.join(here, 'tokenizer'));
  config = paligemmaConfigFromHf(JSON.parse(readFileSync(path.join(here, '..', '..', 'fixtures', 'paligemma', 'config.json'), 'utf8')));
});

test('the tokenizer gives the exact ids, with byte fallback and unknowns', () => {
  assert.deepEqual([tok.bosId, tok.eosId, tok.padId, tok.tokenId('<image>')], [2, 1, 0, 256]);
  assert.deepEqual(tok.encode('answer en what is this?\n'), [39, 41, 45, 47, 51, 31, 108]);
  assert.deepEqual(tok.encode('what color'), ['w', 'h', 'a', 't'].map((c) => tok.tokenId(c)).concat([56]));
  assert.deepEqual(tok.encode('yes'), [58]);
  assert.deepEqual(tok.encode('blue é'), [62, 4, 33, 34]);
  assert.deepEqual(tok.encode('Z'), [3]);
  assert.equal(tok.decode([62, 4, 33, 34]), 'blue é');
});

test('prompt templates are versioned and rendered', () => {
  assert.equal(promptTemplate('answer-en-v1'), ANSWER_EN_V1);
  assert.equal(renderPrompt(ANSWER_EN_V1, '  what is this? '), 'answer en what is this?');
  assert.throws(() => promptTemplate('nope'), /unknown prompt template/);
});

test('training layout: image tokens, bos, prompt, separator | answer, eos; token types, labels, left padding', () => {
  const p = new PaliGemmaProcessor(tok, config);
  const n = config.numImageTokens;
  const pixels = new Float32Array(3 * config.vision.imageSize ** 2);
  const batch = p.encode(
    [
      { image: pixels, question: 'what is this?', answer: 'blue' },
      { image: pixels, question: 'what is the shirt color?', answer: 'no' },
    ],
    { train: true },
  );
  const row0 = [...new Array<number>(n).fill(256), 2, 39, 41, 45, 47, 51, 31, 108, 62, 1];
  const row1 = [...new Array<number>(n).fill(256), 2, 39, 41, 45, 47, 63, 68, 56, 31, 108, 59, 1];
  assert.equal(batch.length, row1.length);
  const pad = row1.length - row0.length;
  const ids = Array.from(batch.inputIds, Number);
  assert.deepEqual(ids.slice(0, batch.length), [...new Array<number>(pad).fill(0), ...row0]);
  assert.deepEqual(ids.slice(batch.length), row1);
  assert.deepEqual(Array.from(batch.attentionMask, Number).slice(0, batch.length), [
    ...new Array<number>(pad).fill(0),
    ...new Array<number>(row0.length).fill(1),
  ]);
  const types = Array.from(batch.tokenTypeIds as BigInt64Array, Number);
  assert.deepEqual(types.slice(batch.length), [...new Array<number>(row1.length - 2).fill(0), 1, 1]);
  const labels = Array.from(batch.labels as BigInt64Array, Number);
  assert.deepEqual(labels.slice(0, batch.length), [...new Array<number>(batch.length - 2).fill(-100), 62, 1]);
  assert.deepEqual(labels.slice(batch.length), [...new Array<number>(batch.length - 2).fill(-100), 59, 1]);
});

test('inference layout has prefixes only; answers decode up to eos', () => {
  const p = new PaliGemmaProcessor(tok, config);
  const batch = p.encode([{ image: new Float32Array(3 * config.vision.imageSize ** 2), question: 'what is this?' }]);
  assert.equal(batch.tokenTypeIds, undefined);
  assert.deepEqual(Array.from(batch.inputIds, Number).slice(config.numImageTokens), [2, 39, 41, 45, 47, 51, 31, 108]);
  assert.equal(p.decodeAnswer([62, 1, 58]), 'blue');
  assert.throws(() => p.encode([]), /empty batch/);
});

test('SigLIP preprocessing: Pillow bicubic resize to S x S, then (x / 255 - 0.5) / 0.5, channels first', () => {
  const w = 7;
  const h = 5;
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);
  const size = config.vision.imageSize;
  const out = siglipPreprocess({ data, width: w, height: h }, size);
  const resized = pilResize({ data, width: w, height: h }, { width: size, height: size, filter: 'bicubic' });
  for (const [c, y, x] of [
    [0, 0, 0],
    [1, 3, 9],
    [2, size - 1, size - 1],
  ] as const) {
    const v = resized.data[(y * size + x) * 3 + c] as number;
    assert.equal(out[c * size * size + y * size + x], Math.fround(Math.fround(v * (1 / 255)) - 0.5) / 0.5);
  }
  assert.ok(out.every((v) => v >= -1 && v <= 1));
});
