import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countAnswerFrequencies, countDecidingRules, selectAnswer, selectTargets } from '../../src/data/answer-selection.js';
import { record } from '../helpers/records.js';

const rep = (answer: string, n: number): string[] => Array.from({ length: n }, () => answer);

describe('answer selection (deuser: majority, training-set frequency, Levenshtein, code point)', () => {
  it('takes the most common answer after the official normalisation', () => {
    const answers = ['Red.', 'red', 'RED', 'a red', 'blue', 'blue', 'blue', 'crimson', 'Blue!', 'red '];
    assert.deepEqual(selectAnswer(answers, new Map(), 'deuser'), { answer: 'red', rule: 'majority' });
  });

  it('breaks a tie by frequency in the whole training set', () => {
    const answers = [...rep('cat', 5), ...rep('dog', 5)];
    const frequencies = new Map([
      ['cat', 12],
      ['dog', 30],
    ]);
    assert.deepEqual(selectAnswer(answers, frequencies, 'deuser'), { answer: 'dog', rule: 'dataset-frequency' });
  });

  it('breaks a remaining tie by the smallest summed Levenshtein distance', () => {
    // cat: 3x dog (3 each) + cot, cap, hat, cut (1 each) = 13; dog: 3x cat (9) + cot 2 + cap 3 + hat 3 + cut 3 = 20
    const answers = [...rep('cat', 3), ...rep('dog', 3), 'cot', 'cap', 'hat', 'cut'];
    const frequencies = new Map([
      ['cat', 7],
      ['dog', 7],
    ]);
    assert.deepEqual(selectAnswer(answers, frequencies, 'deuser'), { answer: 'cat', rule: 'levenshtein' });
  });

  it('falls back to code-point order, whatever the input order', () => {
    const frequencies = new Map([
      ['zz', 4],
      ['yy', 4],
    ]);
    const expected = { answer: 'yy', rule: 'code-point-order' };
    assert.deepEqual(selectAnswer([...rep('zz', 5), ...rep('yy', 5)], frequencies, 'deuser'), expected);
    assert.deepEqual(selectAnswer([...rep('yy', 5), ...rep('zz', 5)], frequencies, 'deuser'), expected);
  });

  it('counts frequencies over all ten answers of every record, normalised', () => {
    const records = [record('a.jpg', ['Two', '2', 'two.', 'three']), record('b.jpg', ['2'])];
    const freq = countAnswerFrequencies(records);
    assert.equal(freq.get('2'), 13);
    assert.equal(freq.get('3'), 7);
    assert.deepEqual(
      selectTargets(records, 'deuser').map((s) => s.answer),
      ['3', '2'],
    );
  });
});

// A 3-3-2-2 tie: cat and dog have three votes each. Summed Levenshtein distances to the ten answers:
// cat = 3 x dog (3) + 2 x cot (1) + 2 x cut (1) = 13; dog = 3 x cat (3) + 2 x cot (2) + 2 x cut (3) = 19.
// In the training set dog is the more frequent answer (the second record), so the two rules disagree.
const TIE = [...rep('cat', 3), ...rep('dog', 3), ...rep('cot', 2), ...rep('cut', 2)];
const TIE_RECORDS = [record('tie.jpg', TIE), record('dogs.jpg', rep('dog', 10)), record('bird.jpg', ['Bird'])];

describe('answer selection: seed vs deuser on a 3-3-2-2 tie', () => {
  it('seed skips the training-set frequency and takes the Levenshtein winner', () => {
    const frequencies = countAnswerFrequencies(TIE_RECORDS);
    assert.equal(frequencies.get('dog'), 13);
    assert.equal(frequencies.get('cat'), 3);
    assert.deepEqual(selectAnswer(TIE, frequencies, 'seed'), { answer: 'cat', rule: 'levenshtein' });
    assert.deepEqual(selectAnswer(TIE, frequencies, 'deuser'), { answer: 'dog', rule: 'dataset-frequency' });
  });

  it('selects every record and counts which step decided each target', () => {
    const seed = selectTargets(TIE_RECORDS, 'seed');
    const deuser = selectTargets(TIE_RECORDS, 'deuser');
    assert.deepEqual(
      seed.map((s) => s.answer),
      ['cat', 'dog', 'bird'],
    );
    assert.deepEqual(
      deuser.map((s) => s.answer),
      ['dog', 'dog', 'bird'],
    );
    assert.deepEqual(countDecidingRules(seed), { majority: 2, 'dataset-frequency': 0, levenshtein: 1, 'code-point-order': 0 });
    assert.deepEqual(countDecidingRules(deuser), { majority: 2, 'dataset-frequency': 1, levenshtein: 0, 'code-point-order': 0 });
  });

  it('seed falls back to code-point order when the Levenshtein sums tie too, whatever the input order', () => {
    // ab and ba: 5 votes each, summed distances 5 x 2 = 10 each
    const frequencies = new Map([['ba', 100]]);
    const expected = { answer: 'ab', rule: 'code-point-order' };
    assert.deepEqual(selectAnswer([...rep('ba', 5), ...rep('ab', 5)], frequencies, 'seed'), expected);
    assert.deepEqual(selectAnswer([...rep('ab', 5), ...rep('ba', 5)], frequencies, 'seed'), expected);
    assert.deepEqual(selectAnswer([...rep('ab', 5), ...rep('ba', 5)], frequencies, 'deuser'), { answer: 'ba', rule: 'dataset-frequency' });
  });
});
