import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countAnswerFrequencies, selectAnswer, selectTargets } from '../../src/data/answer-selection.js';
import { record } from '../helpers/records.js';

const rep = (answer: string, n: number): string[] => Array.from({ length: n }, () => answer);

describe('answer selection', () => {
  it('takes the most common answer after the official normalisation', () => {
    const answers = ['Red.', 'red', 'RED', 'a red', 'blue', 'blue', 'blue', 'crimson', 'Blue!', 'red '];
    assert.deepEqual(selectAnswer(answers, new Map()), { answer: 'red', rule: 'majority' });
  });

  it('breaks a tie by frequency in the whole training set', () => {
    const answers = [...rep('cat', 5), ...rep('dog', 5)];
    const frequencies = new Map([
      ['cat', 12],
      ['dog', 30],
    ]);
    assert.deepEqual(selectAnswer(answers, frequencies), { answer: 'dog', rule: 'dataset-frequency' });
  });

  it('breaks a remaining tie by the smallest summed Levenshtein distance', () => {
    // cat: 3x dog (3 each) + cot, cap, hat, cut (1 each) = 13; dog: 3x cat (9) + cot 2 + cap 3 + hat 3 + cut 3 = 20
    const answers = [...rep('cat', 3), ...rep('dog', 3), 'cot', 'cap', 'hat', 'cut'];
    const frequencies = new Map([
      ['cat', 7],
      ['dog', 7],
    ]);
    assert.deepEqual(selectAnswer(answers, frequencies), { answer: 'cat', rule: 'levenshtein' });
  });

  it('falls back to code-point order, whatever the input order', () => {
    const frequencies = new Map([
      ['zz', 4],
      ['yy', 4],
    ]);
    const expected = { answer: 'yy', rule: 'code-point-order' };
    assert.deepEqual(selectAnswer([...rep('zz', 5), ...rep('yy', 5)], frequencies), expected);
    assert.deepEqual(selectAnswer([...rep('yy', 5), ...rep('zz', 5)], frequencies), expected);
  });

  it('counts frequencies over all ten answers of every record, normalised', () => {
    const records = [record('a.jpg', ['Two', '2', 'two.', 'three']), record('b.jpg', ['2'])];
    const freq = countAnswerFrequencies(records);
    assert.equal(freq.get('2'), 13);
    assert.equal(freq.get('3'), 7);
    assert.deepEqual(
      selectTargets(records).map((s) => s.answer),
      ['3', '2'],
    );
  });
});
