/**
 * Evaluation benchmark: scores 4,319 synthetic predictions (the size of VizWiz val) with the official metric,
 * answerability included, and reports the median time of several runs.
 * `npm run bench -- eval [--write DIR]` (--write also saves the synthetic annotations.json / predictions.json, so
 * the official Python code can be timed on the same data).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ANSWER_TYPES, type Prediction, type VizWizRecord } from '../src/data/types.js';
import { evaluate } from '../src/eval/index.js';
import { writeJsonAtomic } from '../src/io/atomic-write.js';
import { Rng } from '../src/random/rng.js';

const QUESTIONS = 4319;
const RUNS = 7;
const WORDS = ['yes', 'no', 'unanswerable', 'dog', 'coca cola', '2', '10', 'red', 'blue', 'soup', 'tv remote', 'unsuitable'];
const SURFACE = [(w: string) => w, (w: string) => `${w}.`, (w: string) => w.toUpperCase(), (w: string) => `the ${w}`, (w: string) => `${w.replace(' ', '-')}!`];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function synthetic(): { records: VizWizRecord[]; predictions: Prediction[] } {
  const rng = new Rng(4319);
  const rand = (): number => rng.next();
  const records: VizWizRecord[] = [];
  const predictions: Prediction[] = [];
  for (let i = 0; i < QUESTIONS; i++) {
    const image = `VizWiz_val_${String(i).padStart(8, '0')}.jpg`;
    const main = pick(rand, WORDS);
    const answers = Array.from({ length: 10 }, () => ({
      answer: rand() < 0.6 ? main : pick(rand, WORDS),
      answer_confidence: pick(rand, ['yes', 'maybe', 'no'] as const),
    }));
    const answer_type = pick(rand, ANSWER_TYPES);
    records.push({ image, question: 'What is this?', answers, answer_type, answerable: answer_type === 'unanswerable' ? 0 : 1 });
    predictions.push({ image, answer: pick(rand, SURFACE)(rand() < 0.7 ? main : pick(rand, WORDS)), answerable: Math.round(rand() * 100) / 100 });
  }
  return { records, predictions };
}

export async function run(args: string[] = []): Promise<void> {
  const { records, predictions } = synthetic();
  const writeAt = args.indexOf('--write');
  if (writeAt >= 0 && args[writeAt + 1]) {
    await writeJsonAtomic(join(args[writeAt + 1]!, 'annotations.json'), records);
    await writeJsonAtomic(join(args[writeAt + 1]!, 'predictions.json'), predictions);
  }
  const times: number[] = [];
  let overall = 0;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const result = evaluate(records, predictions, { metric: 'official' });
    times.push(performance.now() - t0);
    overall = result.overall;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.error(
    `eval: ${QUESTIONS} questions, overall ${overall.toFixed(2)}, median of ${RUNS} runs ${median.toFixed(1)} ms (first ${times[0]!.toFixed(1)} ms)`,
  );
  console.log(JSON.stringify({ name: 'eval', questions: QUESTIONS, ours_ms: Number(median.toFixed(2)) }));
}
