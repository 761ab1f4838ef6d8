/**
 * A small synthetic comparison whose numbers are worked out by hand: 30 validation questions (18 other,
 * 6 unanswerable, 4 yes/no, 2 number) and three models.
 * - Questions 0-11, 18-28: all ten answers agree (a matching prediction scores 1 in both metrics).
 *   Questions 12-17 and 29: three answers agree and seven say "zzz" (a match scores 0.9 official, 1 seed).
 * - "oracle" answers every question right except 17 (answers "wrong"); answerable confidence 0.9 / 0.1 (exact).
 * - "half" answers the even-numbered questions right and "wrong" on the odd ones; no answerable confidence.
 * - "prior" always answers "unanswerable" with answerable confidence 0.4.
 * Hand-worked accuracies are in EXPECTED_ACCURACIES (per question, official and seed).
 */
import sharp from 'sharp';
import type { ImageSource } from '../../src/data/image-source.js';
import type { AnswerType, Prediction, VizWizRecord } from '../../src/data/types.js';
import { VizWizError } from '../../src/errors.js';
import type { ComparisonInput, ModelInput } from '../../src/report/input.js';
import type { EpochRecord } from '../../src/train/trainer.js';

const N = 30;

export function answerType(i: number): AnswerType {
  if (i < 18) return 'other';
  if (i < 24) return 'unanswerable';
  if (i < 28) return 'yes/no';
  return 'number';
}

const threeMatch = (i: number): boolean => (i >= 12 && i <= 17) || i === 29;

function correctAnswer(i: number): string {
  const type = answerType(i);
  if (type === 'unanswerable') return 'unanswerable';
  if (type === 'yes/no') return 'yes';
  if (type === 'number') return String(i - 26);
  return `thing ${i}`;
}

export const image = (i: number): string => `VizWiz_val_${String(i).padStart(8, '0')}.jpg`;

export const RECORDS: VizWizRecord[] = Array.from({ length: N }, (_, i) => {
  const answer = correctAnswer(i);
  const answers = Array.from({ length: 10 }, (_, k) => (threeMatch(i) && k >= 3 ? 'zzz' : answer));
  return {
    image: image(i),
    question: `Question ${i}: what is this?`,
    answers: answers.map((a) => ({ answer: a, answer_confidence: 'yes' as const })),
    answer_type: answerType(i),
    answerable: answerType(i) === 'unanswerable' ? 0 : 1,
  };
});

const oracleRight = (i: number): boolean => i !== 17;
const halfRight = (i: number): boolean => i % 2 === 0;
const priorRight = (i: number): boolean => answerType(i) === 'unanswerable';

const RIGHT = { oracle: oracleRight, half: halfRight, prior: priorRight };
export type FixtureModel = keyof typeof RIGHT;

/** Hand-worked per-question accuracy of each model. */
export function expectedAccuracy(model: FixtureModel, i: number, metric: 'official' | 'seed'): number {
  if (!RIGHT[model](i)) return 0;
  return threeMatch(i) && metric === 'official' ? 0.9 : 1;
}

function predictions(model: FixtureModel): Prediction[] {
  return RECORDS.map((r, i) => {
    const answer = model === 'prior' ? 'unanswerable' : RIGHT[model](i) ? correctAnswer(i) : 'wrong';
    if (model === 'oracle') return { image: r.image, answer, answerable: r.answerable === 1 ? 0.9 : 0.1 };
    if (model === 'prior') return { image: r.image, answer, answerable: 0.4 };
    return { image: r.image, answer };
  });
}

function history(epochs: number, top: number): EpochRecord[] {
  return Array.from({ length: epochs }, (_, k) => ({
    epoch: k + 1,
    trainLoss: 3 / (k + 1),
    valLoss: 3.2 / (k + 1) + 0.05 * k,
    valAccuracy: top - 10 / (k + 1),
    lr: 0.005,
    seconds: 1.5,
  }));
}

function model(id: FixtureModel, label: string, extra: Partial<ModelInput> = {}): ModelInput {
  return {
    id,
    label,
    description: `${label} (synthetic)`,
    config: { kind: id, lr: 0.005 },
    seed: 7,
    predictions: predictions(id),
    records: RECORDS,
    timings: { train: 2.5, predict: 0.25 },
    ...extra,
  };
}

/** Solid-colour JPEGs for every fixture image, served from memory. */
export class MemoryImages implements ImageSource {
  readonly location = 'memory';
  private readonly cache = new Map<string, Buffer>();

  async has(name: string): Promise<boolean> {
    return /^VizWiz_val_\d{8}\.jpg$/.test(name);
  }

  async read(name: string): Promise<Buffer> {
    if (!(await this.has(name))) throw new VizWizError('MISSING_IMAGE', `memory: image "${name}" not found`);
    const i = Number(name.slice(11, 19));
    let bytes = this.cache.get(name);
    if (!bytes) {
      const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
      bytes = await sharp({ create: { width: 320, height: 240, channels: 3, background } })
        .jpeg()
        .toBuffer();
      this.cache.set(name, bytes);
    }
    return bytes;
  }

  async close(): Promise<void> {}
}

export function fixtureInput(images?: ImageSource): ComparisonInput {
  return {
    title: 'Synthetic comparison',
    dataset: { name: 'synthetic', path: '/tmp/synthetic', hash: 'sha256:abc123', splits: { train: 100, val: N }, holdout: { fraction: 0.1, seed: 3 } },
    metricNote: 'Validation split of a synthetic set; see the metric variants below.',
    models: [
      model('oracle', 'Oracle', {
        history: history(5, 95),
        prompt: { id: 'answer-en-v1', template: 'answer en {question}\n' },
        answerSelection: {
          rule: 'seed',
          description: 'the seed rule',
          decidedBy: { majority: 90, 'dataset-frequency': 0, levenshtein: 8, 'code-point-order': 2 },
        },
        run: { folder: '/tmp/synthetic/runs/oracle-0123456789abcdef', key: '0123456789abcdef'.repeat(4) },
      }),
      model('half', 'Half right', {
        history: history(3, 50),
        answerSelection: {
          rule: 'deuser',
          description: 'the deuser rule',
          decidedBy: { majority: 90, 'dataset-frequency': 7, levenshtein: 2, 'code-point-order': 1 },
        },
      }),
      model('prior', 'Prior'),
    ],
    provenance: {
      vizwiz: '0.1.0',
      node: 'v20.0.0',
      dependencies: { sharp: '0.35.0', vega: '5.33.0' },
      gitCommit: 'deadbeef',
      createdAt: '2025-01-01T00:00:00.000Z',
    },
    ...(images ? { images } : {}),
  };
}
