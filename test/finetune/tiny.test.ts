/**
 * The tiny PaliGemma checkpoint (src/models/paligemma/tiny.ts): deterministic for a seed, a real PaliGemma layout that
 * the loader, tokenizer and processor accept, small, and a tokenizer that covers the sample dataset - prompts and
 * answers in a few whole-word tokens (answers fit the 8-token generation budget with eos), anything else through
 * characters and bytes, decoding back to the same text.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { planSample } from '../../src/data/sample/plan.js';
import { normalizeAnswer } from '../../src/text/normalize.js';
import { PaliGemmaProcessor } from '../../src/models/paligemma/processor.js';
import { GemmaTokenizer } from '../../src/models/paligemma/tokenizer.js';
import { loadPaligemmaCheckpoint } from '../../src/models/paligemma/weights.js';
import { writeTinyPaligemma } from '../helpers/tiny-paligemma.js';

it('writes the same checkpoint for the same seed and another for another seed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-tiny-pg-'));
  const [a, b, c] = await Promise.all([writeTinyPaligemma(join(dir, 'a'), 3), writeTinyPaligemma(join(dir, 'b'), 3), writeTinyPaligemma(join(dir, 'c'), 4)]);
  for (const f of ['model.safetensors', 'config.json', 'tokenizer.json', 'tokenizer_config.json']) {
    assert.deepEqual(await readFile(join(a, f)), await readFile(join(b, f)), f);
  }
  assert.notDeepEqual(await readFile(join(a, 'model.safetensors')), await readFile(join(c, 'model.safetensors')));

  const m = await loadPaligemmaCheckpoint(a);
  const tok = await GemmaTokenizer.fromFolder(a);
  assert.equal(m.prefixes.text, 'language_model.model.');
  assert.equal(tok.tokenId('<image>'), m.config.imageTokenIndex);
  assert.equal(m.config.imageTokenIndex, m.config.text.vocab - 1);
  assert.equal(m.config.numImageTokens, 16);
  const params = [...m.weights.values()].reduce((n, w) => n + w.length, 0);
  assert.ok(params < 300_000, `${params} parameters`);
  const proc = new PaliGemmaProcessor(tok, m.config); // special ids agree with the config
  assert.equal(proc.prefixIds('What is this?').filter((id) => id === m.config.imageTokenIndex).length, 16);
});

it('covers the sample dataset in whole-word tokens and round-trips any text', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-tiny-pg-'));
  const tok = await GemmaTokenizer.fromFolder(await writeTinyPaligemma(dir));
  const plan = planSample({ n: 400, seed: 77 }); // another plan than the tokenizer's corpus
  const items = [...plan.splits.train, ...plan.splits.val, ...plan.splits.test];
  for (const i of items) {
    const prompt = tok.encode(`answer en ${i.question}\n`);
    assert.ok(prompt.length <= 16, `${i.question}: ${prompt.length} tokens`);
    for (const a of i.answers) assert.ok(tok.encode(normalizeAnswer(a.answer)).length <= 7, `answer ${a.answer}`);
  }
  assert.equal(tok.encode('unanswerable').length, 1);
  for (const text of ['unanswerable', 'What colour is the café? ☕', 'ZZZ 42\n', "i can't tell"]) assert.equal(tok.decode(tok.encode(text)), text);
});
