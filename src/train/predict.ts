/**
 * Prediction with a trained head: rebuilds the head from the run folder's `model.json`, loads the best (or last)
 * parameters, and answers every question of a feature file. Each prediction carries `answerable`, the
 * answerability branch's probability, so `vizwiz eval` scores both tasks.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import type { Device } from '../engine/device.js';
import { AnswerVocabulary } from '../data/vocabulary.js';
import { QuestionVocabulary } from '../data/question-encoding.js';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import type { FeatureSet } from '../features/feature-file.js';
import { loadCheckpoint, loadParams } from './checkpoint.js';
import { decodeAnswers, sigmoid } from './decode.js';
import { HeadEvaluator } from './evaluate-head.js';
import { TRAINABLE_HEADS } from './head-registry.js';
import type { HeadDescription } from './prepare.js';
import { splitInputs } from './prepare.js';

export interface PredictOptions {
  /** The training run's output folder. */
  checkpoint: string;
  questions: readonly VizWizQuestion[];
  features: FeatureSet;
  /** The feature file, for messages. */
  source: string;
  /** 'best' (default) or 'last' epoch's parameters. */
  which?: 'best' | 'last';
  batchSize?: number;
  device?: Device;
  threads?: number;
}

export async function readHeadDescription(dir: string): Promise<HeadDescription> {
  const file = join(dir, 'model.json');
  if (!existsSync(file)) {
    throw new VizWizError('INVALID_CHECKPOINT', `${dir}: no model.json; pass the --out folder of a vizwiz train run`);
  }
  const description = JSON.parse(await readFile(file, 'utf8')) as HeadDescription;
  if (description.format !== 'vizwiz-head/1') {
    throw new VizWizError('INVALID_CHECKPOINT', `${file}: unknown format ${JSON.stringify(description.format)}`);
  }
  return description;
}

async function headParams(dir: string, which: 'best' | 'last'): Promise<Map<string, Float32Array>> {
  const best = join(dir, 'best', 'params.safetensors');
  if (which === 'best' && existsSync(best)) return loadParams(best);
  const last = await loadCheckpoint(dir);
  if (!last) throw new VizWizError('INVALID_CHECKPOINT', `${dir}: no finished epoch to predict with`);
  return last.params;
}

export async function predictHead(o: PredictOptions): Promise<Prediction[]> {
  const d = await readHeadDescription(o.checkpoint);
  if (o.features.image.rows !== o.questions.length) {
    throw new VizWizError(
      'INVALID_FEATURES',
      `${o.source}: ${o.features.image.rows} feature rows but the annotations have ${o.questions.length} entries`,
    );
  }
  const questionVocab = d.questions ? QuestionVocabulary.fromJSON(d.questions) : undefined;
  const head = TRAINABLE_HEADS[d.head];
  const inputs = splitInputs(head, o.features, o.questions, questionVocab, o.source);
  for (const [key, dim] of [['image_feat', d.dims.image], [head.question.input, d.dims.text]] as const) {
    if (inputs[key]!.dim !== dim) {
      throw new VizWizError('INVALID_FEATURES', `${o.source}: ${key} has ${inputs[key]!.dim} columns but the model expects ${dim}`);
    }
  }
  const vocab = AnswerVocabulary.fromJSON(d.answers);
  const { model, loss } = head.build(d.dims, { ...d.config, epochs: 0, device: o.device ?? 'cpu' });
  const sessionOptions = { device: o.device ?? 'cpu', ...(o.threads ? { threads: o.threads } : {}) };
  const evaluator = await HeadEvaluator.create(model, loss, vocab.size, await headParams(o.checkpoint, o.which ?? 'best'), sessionOptions);
  try {
    const out = await evaluator.run(inputs, o.questions.length, undefined, o.batchSize ?? 256);
    const answers = decodeAnswers(out.answerLogits, vocab);
    return o.questions.map((q, i) => ({ image: q.image, answer: answers[i]!, answerable: sigmoid(out.answerableLogits[i]!) }));
  } finally {
    await evaluator.dispose();
  }
}
