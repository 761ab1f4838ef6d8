import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerVocabulary, UNKNOWN_ANSWER } from '../../src/data/vocabulary.js';
import { QuestionVocabulary, tokenizeQuestion } from '../../src/data/question-encoding.js';

const targets = ['red', 'blue', 'red', 'unanswerable', 'unanswerable', 'unanswerable', 'green', 'blue', 'red'];

describe('answer vocabulary', () => {
  it('orders classes by count, then code point, and keeps the top K', () => {
    const v = AnswerVocabulary.build(targets, { topK: 3, unknown: 'skip' });
    assert.deepEqual(v.answers, ['red', 'unanswerable', 'blue']);
    assert.deepEqual(v.counts, [3, 3, 2]);
    assert.equal(v.indexOf('blue'), 2);
    assert.equal(v.indexOf('green'), undefined);
  });

  it('keeps answers seen at least minCount times', () => {
    const v = AnswerVocabulary.build(targets, { minCount: 3, unknown: 'skip' });
    assert.deepEqual(v.answers, ['red', 'unanswerable']);
  });

  it("maps unknown answers to an explicit <unk> class under 'unk-class'", () => {
    const v = AnswerVocabulary.build(targets, { minCount: 2, unknown: 'unk-class' });
    assert.deepEqual(v.answers, ['red', 'unanswerable', 'blue', UNKNOWN_ANSWER]);
    assert.deepEqual(v.counts, [3, 3, 2, 1]);
    assert.equal(v.indexOf('green'), 3);
    assert.equal(v.indexOf('purple'), 3);
    assert.equal(v.answerAt(3), '<unk>');
  });

  it('round-trips through JSON and rejects bad options', () => {
    const v = AnswerVocabulary.build(targets, { topK: 2, unknown: 'unk-class' });
    const back = AnswerVocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    assert.deepEqual(back.answers, v.answers);
    assert.equal(back.indexOf('zzz'), 2);
    assert.throws(() => AnswerVocabulary.build(targets, { topK: 0, unknown: 'skip' }), {
      message: 'vocabulary topK must be a positive integer, got 0',
    });
    assert.throws(() => AnswerVocabulary.build(targets, { minCount: 10, unknown: 'skip' }), {
      message: 'the answer vocabulary is empty: no target reaches minCount',
    });
  });
});

describe('question bag-of-words', () => {
  it('tokenizes on non-word characters, keeping inner apostrophes', () => {
    assert.deepEqual(tokenizeQuestion("What's THIS? It’s a can, isn't it..."), ["what's", 'this', "it's", 'a', 'can', "isn't", 'it']);
  });

  it('encodes binary and count vectors with slot 0 for unknown words', () => {
    const questions = ['what color is this', 'what is this', 'how many'];
    const binary = QuestionVocabulary.build(questions, { minCount: 2 });
    assert.deepEqual(binary.words, ['<unk>', 'is', 'this', 'what']);
    assert.deepEqual([...binary.encodeAll(['What is this? What colour?'])], [1, 1, 1, 1]);
    const counts = QuestionVocabulary.build(questions, { minCount: 2, mode: 'counts' });
    assert.deepEqual([...counts.encodeAll(['What is this? What colour?', 'hello'])], [1, 1, 1, 2, 1, 0, 0, 0]);
    assert.deepEqual(QuestionVocabulary.build(questions, { topK: 1 }).words, ['<unk>', 'is']);
  });
});
