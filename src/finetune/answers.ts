/**
 * Answering questions with PaliGemma, batch by batch: prompt layout and pixels (processor), image prefill, greedy
 * decoding (at most `maxNewTokens` new tokens, stop at eos), and optionally the answerability confidence.
 * - answer: the generated text up to eos (special tokens dropped), passed through the official VizWiz normaliser
 *   (src/text/normalize.ts: lowercase, punctuation, number words, articles, contractions). The metric normalises
 *   predictions again, which leaves a normalised answer as it is, so the submission holds exactly the string that is
 *   scored; `raw` keeps the text as generated.
 * - answerable = 1 - P("unanswerable"), where P is the probability that the model generates exactly the tokens of
 *   "unanswerable" followed by eos right after the prompt: teacher-forced on the prefill's KV cache, the product of
 *   the token probabilities (src/models/paligemma/score.ts). A model fine-tuned on VizWiz says "unanswerable" when
 *   it cannot answer, so this is its own estimate that the question can be answered, whatever it generated.
 */

import type { VizWizQuestion } from '../data/types.js';
import { normalizeAnswer } from '../text/normalize.js';
import type { PaliGemmaGenerator } from '../models/paligemma/generate.js';
import type { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import { continuationLogProb } from '../models/paligemma/score.js';
import type { PixelLoader } from './pixels.js';

export const UNANSWERABLE = 'unanswerable';

export interface AnswerOptions {
  batchSize: number;
  maxNewTokens: number;
  /** Also compute `answerable` (one extra teacher-forced pass per batch). */
  answerability?: boolean;
  /** Called after each batch with the number of questions answered so far. */
  progress?: (done: number) => void;
}

export interface GeneratedAnswer {
  /** Normalised answer (what the submission holds). */
  answer: string;
  /** The generated text before normalisation. */
  raw: string;
  /** 1 - P("unanswerable" + eos), when asked for. */
  answerable?: number;
}

export async function answerQuestions(
  gen: PaliGemmaGenerator,
  proc: PaliGemmaProcessor,
  pixels: PixelLoader,
  questions: readonly VizWizQuestion[],
  o: AnswerOptions,
): Promise<GeneratedAnswer[]> {
  const text = gen.config.text;
  const unanswerable = proc.suffixIds(UNANSWERABLE);
  const out: GeneratedAnswer[] = [];
  for (let i = 0; i < questions.length; i += o.batchSize) {
    const qs = questions.slice(i, i + o.batchSize);
    const images = await pixels.many(qs.map((q) => q.image));
    const batch = proc.encode(qs.map((q, k) => ({ image: images[k] as Float32Array, question: q.question })));
    // Only token ids come down: the greedy choices, and the score of the first token of "unanswerable".
    const start = await gen.prefill(batch, { logits: false, ...(o.answerability ? { scoreTokens: qs.map(() => unanswerable[0] as number) } : {}) });
    let res: Awaited<ReturnType<typeof gen.generateFrom>>;
    let logP: Float64Array | null;
    try {
      res = await gen.generateFrom(start, { maxNewTokens: o.maxNewTokens, eosTokenIds: [text.eosTokenId], padTokenId: text.padTokenId });
      logP = o.answerability ? await continuationLogProb(gen.decoder, start, unanswerable) : null;
    } finally {
      gen.decoder.release(start.cache); // resident on WebGPU
    }
    qs.forEach((_, r) => {
      const raw = proc.decodeAnswer(Array.from(res.tokens.subarray(r * res.steps, (r + 1) * res.steps), Number));
      const a: GeneratedAnswer = { answer: normalizeAnswer(raw), raw };
      if (logP) a.answerable = 1 - Math.exp(logP[r] as number);
      out.push(a);
    });
    o.progress?.(out.length);
  }
  return out;
}
