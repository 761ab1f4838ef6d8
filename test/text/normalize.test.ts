/** The official VizWiz-VQA answer normalisation, example by example. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTRACTIONS, normalizeAnswer, processDigitArticle, processPunctuation } from '../../src/eval/index.js';

const cases: [string, string][] = [
  // examples from the VizWiz evaluation's documentation
  ['Yes.', 'yes'],
  ['Two', '2'],
  ['a dog', 'dog'],
  ['1,000', '1000'],
  ['3.5', '3.5'],
  ['coca-cola', 'coca cola'],
  // punctuation touching a space is deleted, otherwise replaced by a space
  ['yes - no', 'yes no'],
  ['yes-no', 'yes no'],
  ['coca -cola', 'coca cola'],
  ['hello, world', 'hello world'],
  ['hello,world', 'hello world'],
  ['(dog)', 'dog'],
  ['( dog)', 'dog'],
  // a digit-comma-digit anywhere deletes every punctuation character
  ['coca-cola 1,2', 'cocacola 12'],
  ['1,000 - ', '1000'],
  // periods: removed unless followed by a digit (also after a digit)
  ['5.', '5'],
  ['3.5.', '3.5'],
  ['a.m.', 'am'],
  ['1.000', '1.000'],
  ['three.five', 'threefive'],
  // only the first 32 such periods go (re.UNICODE passed as count)
  ['.'.repeat(40), '.'.repeat(8)],
  [`dog${'.'.repeat(33)}`, 'dog.'],
  // kept characters
  ["dog's", "dog's"],
  ['12:30', '12:30'],
  ['50%', '50%'],
  ['$5', '$5'],
  // number words, articles, case, whitespace
  ['None', '0'],
  ['the ten', '10'],
  ['a an the', ''],
  ['one thousand', '1 thousand'],
  ['The  Eye\tOf\nthe', 'eye of'],
  ['', ''],
  ['   ', ''],
  // contractions: ASCII targets for some, U+2019 for most; keys must match exactly
  ['dont know', 'don’t know'],
  ["don't know", "don't know"],
  ['cant', "can't"],
  ['Im sure', 'im sure'],
  ['whats this?', 'what’s this'],
  ['weve', "we've"],
  ['somebody’d', 'somebodyd'],
  ['oclock', 'o’clock'],
  // Python whitespace: U+0085 and U+001C split and strip; U+FEFF and U+200B do not
  ['\u0085yes\u001c', 'yes'],
  ['hello\u0085world', 'hello world'],
  ['\ufeffyes', '\ufeffyes'],
  ['yes\u200b', 'yes\u200b'],
  // Unicode digits count as \d
  ['٣.٥', '٣.٥'],
  ['３,０００ dollars-ish', '３０００ dollarsish'],
  // Unicode case mapping
  ['ΟΔΟΣ', 'οδος'],
  ['İ', 'i\u0307'],
];

test('normalizeAnswer matches the official pipeline on hand-worked examples', () => {
  for (const [input, output] of cases) assert.equal(normalizeAnswer(input), output, JSON.stringify(input));
});

test('processPunctuation tests punctuation against the original text, not the partly processed one', () => {
  // '-' touches a space in the original, '/' does not: '-' is deleted, '/' becomes a space
  assert.equal(processPunctuation('a - b/c'), 'a  b c');
  assert.equal(processPunctuation('x;y'), 'x y');
});

test('processDigitArticle maps numbers before dropping articles and applies contractions last', () => {
  assert.equal(processDigitArticle('A Dog AND Two cats'), 'dog and 2 cats');
  assert.equal(processDigitArticle('isnt youre'), 'isn’t you’re');
});

test('the contraction table is the official one (120 entries, U+2019 targets)', () => {
  assert.equal(CONTRACTIONS.size, 120);
  assert.equal(CONTRACTIONS.get('dont'), 'don\u2019t');
  assert.equal(CONTRACTIONS.get('aint'), "ain't");
  assert.equal(CONTRACTIONS.get('twas'), '\u2019twas');
  const typographic = [...CONTRACTIONS.values()].filter((v) => v.includes('\u2019')).length;
  assert.equal(typographic, 111);
});
