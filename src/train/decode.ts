/**
 * Turning head outputs into VizWiz predictions: the arg-max class of the answer logits (never the `<unk>` class),
 * and `answerable` = sigmoid(answerable logit), the model's probability that the question can be answered.
 */
import type { AnswerVocabulary } from '../data/vocabulary.js';
import { UNKNOWN_ANSWER } from '../data/vocabulary.js';

/** Arg-max of each row of a [rows, classes] matrix, skipping class `skip` (or none when -1). */
function argmaxRows(logits: Float32Array, classes: number, skip = -1): Int32Array {
  const rows = logits.length / classes;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -1;
    let bestValue = -Infinity;
    const base = r * classes;
    for (let c = 0; c < classes; c++) {
      const v = logits[base + c]!;
      if (c !== skip && (v > bestValue || best < 0)) {
        best = c;
        bestValue = v;
      }
    }
    out[r] = best;
  }
  return out;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Answers of the arg-max classes; the `<unk>` class is never predicted. */
export function decodeAnswers(logits: Float32Array, vocab: AnswerVocabulary): string[] {
  const unk = vocab.unknown === 'unk-class' ? vocab.answers.indexOf(UNKNOWN_ANSWER) : -1;
  return [...argmaxRows(logits, vocab.size, unk)].map((c) => vocab.answerAt(c));
}
