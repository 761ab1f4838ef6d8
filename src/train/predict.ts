/**
 * Prediction with a trained head: rebuilds the head from the run folder's `model.json`, loads the best (or last)
 * parameters, and answers every question of a feature file. Each prediction carries `answerable`, the
 * answerability branch's probability, so `vizwiz eval` scores both tasks. With `shard`, only that shard's questions
 * are answered (src/shards/assign.ts), for `vizwiz merge`; `headFingerprint` is the model half of a shard's manifest.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import type { Device } from '../engine/device.js';
import { AnswerVocabulary } from '../data/vocabulary.js';
import { QuestionVocabulary } from '../data/question-encoding.js';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import type { FeatureMatrix, FeatureSet } from '../features/feature-file.js';
import { selectShard } from '../shards/assign.js';
import type { ShardSpec } from '../shards/spec.js';
import type { FeatureInputs } from './batches.js';
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
  /** Answer only this shard's questions (in annotation order); `questions` and `features` are the whole file's. */
  shard?: ShardSpec;
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

/** SHA-256 of the head's description and the parameters `which` picks: the model of a prediction shard. */
export async function headFingerprint(dir: string, which: 'best' | 'last'): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`head/1 ${which}\n${await readFile(join(dir, 'model.json'), 'utf8')}`);
  const params = await headParams(dir, which);
  for (const name of [...params.keys()].sort()) {
    const data = params.get(name)!;
    hash.update(`\n${name} ${data.length}\n`);
    hash.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return hash.digest('hex');
}

/**
 * The rows `rows` of every input. A one-row last batch gets a copy of its row beside it (its output is dropped):
 * ONNX Runtime's matrix product takes another path for a single row, rounding differently in the last bits, so
 * without the pair a row's answer confidence would depend on where the batches fall - on the shard.
 */
function takeRows(inputs: FeatureInputs, rows: readonly number[], batchSize: number): { inputs: FeatureInputs; rows: number } {
  const padded = rows.length % batchSize === 1 ? [...rows, rows[rows.length - 1]!] : rows;
  const whole = Object.values(inputs)[0]?.rows;
  if (padded === rows && rows.length === whole) return { inputs, rows: rows.length }; // every row, in order: no copy
  const out: Record<string, FeatureMatrix> = {};
  for (const [key, m] of Object.entries(inputs)) {
    const data = new Float32Array(padded.length * m.dim);
    padded.forEach((r, k) => data.set(m.data.subarray(r * m.dim, (r + 1) * m.dim), k * m.dim));
    out[key] = { data, rows: padded.length, dim: m.dim };
  }
  return { inputs: out, rows: padded.length };
}

export async function predictHead(o: PredictOptions): Promise<Prediction[]> {
  const d = await readHeadDescription(o.checkpoint);
  if (o.features.image.rows !== o.questions.length) {
    throw new VizWizError('INVALID_FEATURES', `${o.source}: ${o.features.image.rows} feature rows but the annotations have ${o.questions.length} entries`);
  }
  const questionVocab = d.questions ? QuestionVocabulary.fromJSON(d.questions) : undefined;
  const head = TRAINABLE_HEADS[d.head];
  const all = splitInputs(head, o.features, o.questions, questionVocab, o.source);
  for (const [key, dim] of [
    ['image_feat', d.dims.image],
    [head.question.input, d.dims.text],
  ] as const) {
    if (all[key]!.dim !== dim) {
      throw new VizWizError('INVALID_FEATURES', `${o.source}: ${key} has ${all[key]!.dim} columns but the model expects ${dim}`);
    }
  }
  const vocab = AnswerVocabulary.fromJSON(d.answers);
  const { model, loss } = head.build(d.dims, { ...d.config, epochs: 0, device: o.device ?? 'cpu' });
  const sessionOptions = { device: o.device ?? 'cpu', ...(o.threads ? { threads: o.threads } : {}) };
  const evaluator = await HeadEvaluator.create(model, loss, vocab.size, await headParams(o.checkpoint, o.which ?? 'best'), sessionOptions);
  try {
    const batchSize = o.batchSize ?? 256;
    const { rows, items } = selectShard(o.questions, o.shard);
    const picked = takeRows(all, rows, batchSize);
    const out = await evaluator.run(picked.inputs, picked.rows, undefined, batchSize);
    const answers = decodeAnswers(out.answerLogits, vocab);
    return items.map((q, i) => ({ image: q.image, answer: answers[i]!, answerable: sigmoid(out.answerableLogits[i]!) }));
  } finally {
    await evaluator.dispose();
  }
}
