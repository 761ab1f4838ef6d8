/**
 * Tests of the sample plan (no I/O): annotation schema, answer-type coverage per split, determinism of the
 * annotation JSON, and the statistics of the crowd-answer noise (majority = truth mostly, all accuracy steps).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { annotationJson, normaliseLoosely, planSample, SPLITS, type PlannedItem } from '../../../src/data/sample/index.js';
import { ANSWER_CONFIDENCES, ANSWER_TYPES } from '../../../src/data/types.js';
import { majority, sha256 } from './helpers.js';

const big = planSample({ n: 2000, seed: 11 });
const bigItems: PlannedItem[] = SPLITS.flatMap((s) => big.splits[s]);

describe('sample plan', () => {
  it('writes official train/val records and image-plus-question test entries', () => {
    const plan = planSample({ n: 40, seed: 3 });
    for (const split of ['train', 'val'] as const) {
      const records = JSON.parse(annotationJson(split, plan.splits[split])) as Record<string, unknown>[];
      assert.equal(records.length, plan.splits[split].length);
      records.forEach((r, i) => {
        assert.deepEqual(Object.keys(r), ['image', 'question', 'answers', 'answer_type', 'answerable']);
        assert.equal(r.image, `VizWiz_${split}_${String(i).padStart(8, '0')}.jpg`);
        assert.equal(typeof r.question, 'string');
        const answers = r.answers as { answer: unknown; answer_confidence: unknown }[];
        assert.equal(answers.length, 10);
        for (const a of answers) {
          assert.deepEqual(Object.keys(a), ['answer', 'answer_confidence']);
          assert.equal(typeof a.answer, 'string');
          assert.ok((ANSWER_CONFIDENCES as readonly unknown[]).includes(a.answer_confidence));
        }
        assert.ok((ANSWER_TYPES as readonly unknown[]).includes(r.answer_type));
        assert.equal(r.answerable, r.answer_type === 'unanswerable' ? 0 : 1);
      });
    }
    const test = JSON.parse(annotationJson('test', plan.splits.test)) as Record<string, unknown>[];
    assert.equal(test.length, plan.splits.test.length);
    for (const entry of test) assert.deepEqual(Object.keys(entry), ['image', 'question']);
  });

  it('has all four answer types in every split for n = 40 and n = 20', () => {
    for (const n of [40, 20]) {
      const plan = planSample({ n, seed: 5 });
      for (const split of SPLITS) {
        const types = new Set(plan.splits[split].map((item) => item.answerType));
        assert.deepEqual([...types].sort(), [...ANSWER_TYPES].sort(), `n=${n} ${split}`);
      }
    }
  });

  it('is deterministic per seed', () => {
    const hash = (seed: number): string => sha256(SPLITS.map((s) => annotationJson(s, planSample({ n: 60, seed }).splits[s])).join('\n'));
    assert.equal(hash(1), hash(1));
    assert.notEqual(hash(1), hash(2));
  });

  it('makes about 25-30% of the questions unanswerable, with realistic question variety', () => {
    const unanswerable = bigItems.filter((i) => i.answerType === 'unanswerable').length / bigItems.length;
    assert.ok(unanswerable >= 0.25 && unanswerable <= 0.3, `unanswerable share ${unanswerable}`);
    assert.ok(new Set(bigItems.map((i) => i.question)).size >= 50);
    const defects = new Set(bigItems.filter((i) => i.answerable === 0).map((i) => i.degradation));
    assert.deepEqual([...defects].sort(), ['blur', 'dark', 'framing']);
  });

  it('keeps the true answer the majority on the vast majority of answerable questions, but not all', () => {
    const answerable = bigItems.filter((i) => i.answerable === 1);
    const right = answerable.filter((i) => majority(i.answers).answer === i.truth).length / answerable.length;
    assert.ok(right >= 0.93 && right < 1, `majority = truth on ${right}`);
    const unanswerable = bigItems.filter((i) => i.answerable === 0);
    const says = unanswerable.filter((i) => majority(i.answers).answer === 'unanswerable').length / unanswerable.length;
    assert.ok(says >= 0.85, `majority unanswerable on ${says}`);
  });

  it('produces every accuracy step (1, 2, 3 and 4+ matching answers), exact and normalised', () => {
    const answerable = bigItems.filter((i) => i.answerable === 1);
    const steps = (match: (answer: string, truth: string) => boolean): Set<number> =>
      new Set(answerable.map((i) => Math.min(4, i.answers.filter((a) => match(a.answer, i.truth)).length)));
    assert.deepEqual([...steps((a, t) => a === t)].filter((s) => s > 0).sort(), [1, 2, 3, 4]);
    assert.deepEqual([...steps((a, t) => normaliseLoosely(a) === t)].sort(), [1, 2, 3, 4]);
    const perfect = answerable.filter((i) => i.answers.every((a) => a.answer === i.truth)).length;
    assert.ok(perfect > 0 && perfect < answerable.length * 0.5, `10/10 exact on ${perfect}`);
  });

  it('adds realistic noise: case, punctuation, number words, synonyms, confidence mix', () => {
    const all = bigItems.flatMap((i) => i.answers.map((a) => a.answer));
    assert.ok(
      all.some((a) => /^[A-Z]/.test(a)),
      'capitalised',
    );
    assert.ok(
      all.some((a) => /[.!]$/.test(a)),
      'punctuation',
    );
    assert.ok(
      all.some((a) => / $/.test(a)),
      'trailing space',
    );
    assert.ok(
      all.some((a) => /^(two|three|four)$/i.test(a)),
      'number words',
    );
    assert.ok(
      all.some((a) => /^the /.test(a)),
      'articles',
    );
    assert.ok(all.includes('crimson') || all.includes('scarlet'), 'synonyms');
    for (const word of ['unsuitable', 'unsuitable image', 'blurry', 'too dark', "i can't tell"]) assert.ok(all.includes(word), word);
    const conf = { yes: 0, maybe: 0, no: 0 };
    for (const i of bigItems) for (const a of i.answers) conf[a.answer_confidence]++;
    assert.ok(conf.yes > conf.maybe && conf.maybe > conf.no && conf.no > 0, JSON.stringify(conf));
  });
});
