/**
 * The CLIP tokenizer against OpenAI CLIP's own BPE on a tiny CLIP-format vocabulary (test/fixtures/clip/tokenizer,
 * made by make_tokenizer.py there): exact ids from tokenizer.json and from vocab.json + merges.txt, lowercasing and
 * whitespace clean-up, truncation to max_length with eos kept, and padding.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClipTokenizer, parseMerges } from '../../../src/models/clip/tokenizer.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'clip', 'tokenizer');

interface Expected {
  bos: number;
  eos: number;
  max_length: number;
  cases: { text: string; content: number[]; ids: number[] }[];
}

const expected = JSON.parse(await readFile(path.join(dir, 'expected.json'), 'utf8')) as Expected;
const config = JSON.parse(await readFile(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;

test('tokenizer.json: the ids of OpenAI CLIP BPE, bos/eos from tokenizer_config', async () => {
  const tok = await ClipTokenizer.fromFolder(dir);
  assert.equal(tok.bosId, expected.bos);
  assert.equal(tok.eosId, expected.eos);
  assert.equal(tok.padId, expected.eos);
  assert.equal(tok.maxLength, 77);
  for (const c of expected.cases) {
    assert.deepEqual(tok.contentIds(c.text), c.content, `content of ${JSON.stringify(c.text)}`);
    assert.deepEqual(tok.encode(c.text), c.ids, `ids of ${JSON.stringify(c.text)}`);
  }
});

test('vocab.json + merges.txt build the same tokenizer', async () => {
  const vocab = JSON.parse(await readFile(path.join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  const merges = await readFile(path.join(dir, 'merges.txt'), 'utf8');
  assert.equal(parseMerges(merges)[0], 't h');
  const tok = ClipTokenizer.fromVocabMerges(vocab, merges, config);
  for (const c of expected.cases) assert.deepEqual(tok.encode(c.text), c.ids, `ids of ${JSON.stringify(c.text)}`);
});

test('lowercases and collapses whitespace', async () => {
  const tok = await ClipTokenizer.fromFolder(dir);
  assert.deepEqual(tok.encode('  WHAT\n\tis  THIS? '), tok.encode('what is this?'));
  assert.deepEqual(tok.contentIds('what is this?'), [517, 514, 512, 514, 286]); // what</w> is</w> th is</w> ?</w>
});

test('texts longer than max_length are cut to max_length with eos kept', async () => {
  const tok = await ClipTokenizer.fromFolder(dir);
  const long = expected.cases.find((c) => c.content.length > 75);
  assert.ok(long);
  const ids = tok.encode(long.text);
  assert.equal(ids.length, 77);
  assert.equal(ids[0], expected.bos);
  assert.equal(ids[76], expected.eos);
  assert.deepEqual(ids.slice(1, 76), long.content.slice(0, 75));
  const short = await ClipTokenizer.fromFolder(dir, { maxLength: 5 });
  assert.deepEqual(short.encode('what color is this shirt?'), [expected.bos, 517, 523, 514, expected.eos]);
});

test('batches are right-padded with the pad id and masked', async () => {
  const tok = await ClipTokenizer.fromFolder(dir);
  const b = tok.encodeBatch(['what is this?', 'the']);
  assert.equal(b.rows, 2);
  assert.equal(b.length, 7);
  const eos = BigInt(expected.eos);
  const bos = BigInt(expected.bos);
  assert.deepEqual([...b.inputIds], [bos, 517n, 514n, 512n, 514n, 286n, eos, bos, 513n, eos, eos, eos, eos, eos]);
  assert.deepEqual([...b.attentionMask], [1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 1n, 0n, 0n, 0n, 0n]);
  assert.equal(tok.encodeBatch(['the'], 'max_length').length, 77);
});
