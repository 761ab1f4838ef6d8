/**
 * The main job on the embedded default: generate the sample dataset (official layout), extract stand-in features
 * (a fixed random projection of the pixels and hashed question words, until the real encoders land), fit the
 * question-prior floor and train the two classifier heads (baseline, clip-linear), predict the validation split in the
 * official submission format, and score every model with both metric variants. Each stage is skipped when its
 * output exists, so a rerun is cheap and an interrupted run continues. `vizwiz compare` will grow out of this.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSplitRecords, openSplitImages, type Split } from './data/layout.js';
import { generateSample } from './data/sample/index.js';
import type { VizWizRecord } from './data/types.js';
import { evaluate, readSubmission, summarize, writeSubmission } from './eval/index.js';
import type { EvaluationSummary } from './eval/format.js';
import { readFeatures, writeFeatures, type FeatureSet } from './features/feature-file.js';
import { extractPixelProjection } from './features/pixel-projection.js';
import { writeJsonAtomic } from './io/atomic-write.js';
import { QuestionPrior } from './models/prior/question-prior.js';
import { provenance, type Provenance } from './provenance.js';
import { trainConfig, type HeadName } from './train/config.js';
import { predictHead } from './train/predict.js';
import { trainHead } from './train/trainer.js';
import { ANSWER_TYPES, type Prediction } from './data/types.js';

export interface DemoOptions {
  /** Output folder (default `runs/demo`). */
  out: string;
  /** Questions in the sample dataset (default 1000). */
  n?: number;
  /** Seed of the sample dataset and of training (default 0). */
  seed?: number;
  /** Training epochs of each head (default 30). */
  epochs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export const DEMO_MODELS = ['question-prior', 'baseline', 'clip-linear'] as const;
export type DemoModel = (typeof DEMO_MODELS)[number];

export interface ModelResult {
  model: DemoModel;
  features: string;
  predictions: string;
  official: EvaluationSummary;
  seed: EvaluationSummary;
}

export interface DemoResults {
  task: 'demo';
  dataset: { path: string; n: number; seed: number; train: number; val: number };
  models: ModelResult[];
  provenance: Provenance;
}

/** Learning rate of each head on the sample's stand-in features. */
const HEAD_LR: Record<HeadName, number> = { baseline: 0.002, 'clip-linear': 0.005 };

async function features(data: string, out: string, split: Split, records: readonly VizWizRecord[], log: (l: string) => void): Promise<{ file: string; set: FeatureSet }> {
  const file = join(out, 'features', `${split}.pixel-projection.safetensors`);
  if (!existsSync(file)) {
    const images = await openSplitImages(data, split);
    try {
      await writeFeatures(file, await extractPixelProjection(records, images));
    } finally {
      await images.close();
    }
    log(`features: wrote ${file}`);
  }
  return { file, set: await readFeatures(file, { requireText: true, images: records.map((r) => r.image) }) };
}

export async function runDemo(options: DemoOptions): Promise<{ results: DemoResults; table: string }> {
  const { out, n = 1000, seed = 0, epochs = 30, log = () => {} } = options;
  const data = join(out, 'data');
  const datasetMarker = join(data, 'sample.json');
  if (existsSync(datasetMarker)) {
    log(`dataset: reusing ${data}`);
  } else {
    const summary = await generateSample({ out: data, n, seed });
    await writeJsonAtomic(datasetMarker, { n, seed, splits: summary.splits });
    log(`dataset: wrote ${n} questions to ${data}`);
  }
  const train = await loadSplitRecords(data, 'train');
  const val = await loadSplitRecords(data, 'val');
  const trainFeatures = await features(data, out, 'train', train, log);
  const valFeatures = await features(data, out, 'val', val, log);

  const models: ModelResult[] = [];
  for (const model of DEMO_MODELS) {
    const predictionsFile = join(out, 'predictions', `val.${model}.json`);
    if (!existsSync(predictionsFile)) {
      let predictions: Prediction[];
      if (model === 'question-prior') {
        predictions = QuestionPrior.fit(train).predict(val);
      } else {
        const run = join(out, 'runs', model);
        await trainHead({
          out: run,
          config: trainConfig(model, { epochs, lr: HEAD_LR[model], seed }),
          train: { records: train, features: trainFeatures.set, source: trainFeatures.file },
          val: { records: val, features: valFeatures.set, source: valFeatures.file },
          log: (line) => log(`${model}: ${line}`),
        });
        predictions = await predictHead({ checkpoint: run, questions: val, features: valFeatures.set, source: valFeatures.file });
      }
      await writeSubmission(predictionsFile, predictions);
      log(`predictions: wrote ${predictionsFile}`);
    }
    const predictions = await readSubmission(predictionsFile);
    models.push({
      model,
      features: model === 'question-prior' ? 'none' : 'pixel-projection',
      predictions: predictionsFile,
      official: summarize(evaluate(val, predictions, { metric: 'official' })),
      seed: summarize(evaluate(val, predictions, { metric: 'seed' })),
    });
  }
  const results: DemoResults = {
    task: 'demo',
    dataset: { path: data, n, seed, train: train.length, val: val.length },
    models,
    provenance: provenance(),
  };
  await writeJsonAtomic(join(out, 'results.json'), results);
  return { results, table: formatDemoTable(results) };
}

function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '-' : v.toFixed(2);
}

/** One row per model: official accuracy, the seed variant, per answer type, answerability. */
export function formatDemoTable(results: DemoResults): string {
  const header = ['model', 'official', 'seed', ...ANSWER_TYPES, 'AP', 'F1'];
  const rows = results.models.map((m) => [
    m.model,
    pct(m.official.overall),
    pct(m.seed.overall),
    ...ANSWER_TYPES.map((t) => pct(m.official.perAnswerType[t])),
    pct(m.official.answerability?.average_precision),
    pct(m.official.answerability?.f1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `VizWiz accuracy on the ${results.dataset.val} validation questions of the sample dataset ` +
      '(official = leave-one-out over 10 annotators; seed = min(1, n/3); heads on stand-in pixel-projection features)',
    line(header),
    ...rows.map(line),
  ].join('\n');
}
