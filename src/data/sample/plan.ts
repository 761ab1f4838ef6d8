/**
 * The deterministic plan of a sample dataset: which question family each slot of each split gets (fixed
 * quotas, all four answer types in every split of 4+ questions), and for each slot the scene, question and
 * ten answers. Pure and I/O-free: tests and tools can inspect exactly what `generateSample` will write.
 */

import type { AnswerType, VizWizAnswer, VizWizQuestion, VizWizRecord } from '../types.js';
import { crowdAnswers, unanswerableAnswers } from './answers-noise.js';
import { captureFor, type Defect, type Degradation } from './degrade.js';
import { draftFamily, type AnswerableFamily } from './families.js';
import { resolveSampleOptions, SPLITS, splitSizes, type SampleOptions, type Split } from './options.js';
import { mixSeed, Rng } from '../../random/rng.js';
import type { Scene } from './scene.js';

export type FamilySlot = AnswerableFamily | 'unanswerable';

/** Share of each slot kind: other (colour + label) 46%, unanswerable 28%, yes/no 14%, number 12%. */
const SLOT_WEIGHTS: readonly (readonly [FamilySlot, number])[] = [
  ['colour', 24],
  ['label', 22],
  ['count', 12],
  ['yesno', 14],
  ['unanswerable', 28],
];

/** Which answerable family an unanswerable question is disguised as, and which defect spoils the photo. */
const UNDERLYING: readonly (readonly [AnswerableFamily, number])[] = [
  ['colour', 30],
  ['label', 35],
  ['count', 15],
  ['yesno', 20],
];
const DEFECT_WEIGHTS: readonly (readonly [Defect, number])[] = [
  ['blur', 40],
  ['dark', 30],
  ['framing', 30],
];

const SLOT_TYPE: Record<FamilySlot, AnswerType> = {
  colour: 'other',
  label: 'other',
  count: 'number',
  yesno: 'yes/no',
  unanswerable: 'unanswerable',
};

export interface PlannedItem {
  split: Split;
  index: number;
  /** File name, e.g. VizWiz_train_00000000.jpg. */
  image: string;
  question: string;
  /** The family the question and scene come from (for unanswerable items: the spoilt family). */
  family: AnswerableFamily;
  answerType: AnswerType;
  answerable: 0 | 1;
  degradation: Degradation;
  /** The answer the scene determines (for unanswerable items: what a clear photo would have shown). */
  truth: string;
  answers: VizWizAnswer[];
  scene: Scene;
}

export interface SamplePlan {
  n: number;
  seed: number;
  imageSize: number;
  splits: Record<Split, PlannedItem[]>;
}

/** The official image file name. */
export function imageName(split: Split, index: number): string {
  return `VizWiz_${split}_${String(index).padStart(8, '0')}.jpg`;
}

/** Slot counts for a split of `m` questions: largest-remainder quotas, then every answer type at least once. */
export function slotQuotas(m: number): Record<FamilySlot, number> {
  const total = SLOT_WEIGHTS.reduce((a, [, w]) => a + w, 0);
  const quotas = Object.fromEntries(SLOT_WEIGHTS.map(([slot, w]) => [slot, Math.floor((m * w) / total)])) as Record<FamilySlot, number>;
  let left = m - SLOT_WEIGHTS.reduce((a, [slot]) => a + quotas[slot], 0);
  const byRemainder = [...SLOT_WEIGHTS].sort(([, a], [, b]) => (((m * b) / total) % 1) - (((m * a) / total) % 1));
  for (const [slot] of byRemainder) {
    if (left <= 0) break;
    quotas[slot]++;
    left--;
  }
  if (m < 4) return quotas;
  const typeCount = (type: AnswerType): number => SLOT_WEIGHTS.reduce((a, [s]) => a + (SLOT_TYPE[s] === type ? quotas[s] : 0), 0);
  for (const [needed] of SLOT_WEIGHTS) {
    if (typeCount(SLOT_TYPE[needed]) > 0) continue;
    const donors = SLOT_WEIGHTS.map(([s]) => s).filter((s) => quotas[s] > 0 && typeCount(SLOT_TYPE[s]) > 1);
    const donor = donors.reduce((best, s) => (quotas[s] > quotas[best] ? s : best), donors[0] ?? needed);
    quotas[donor]--;
    quotas[needed]++;
  }
  return quotas;
}

function planItem(split: Split, index: number, slot: FamilySlot, seed: number, size: number): PlannedItem {
  const splitNo = SPLITS.indexOf(split);
  const rng = new Rng(mixSeed(seed, splitNo, index));
  const family = slot === 'unanswerable' ? rng.weighted(UNDERLYING) : slot;
  const defect = slot === 'unanswerable' ? rng.weighted(DEFECT_WEIGHTS) : undefined;
  const draft = draftFamily(family, rng, size);
  const capture = captureFor(defect ?? 'none', rng, size);
  const answers = defect === undefined ? crowdAnswers(rng, draft) : unanswerableAnswers(rng, draft, defect);
  const scene: Scene = {
    size,
    surface: draft.surface,
    wobble: rng.uniform(2, 8),
    phase: rng.uniform(0, 2 * Math.PI),
    shapes: draft.shapes,
    ...(draft.label === undefined ? {} : { label: draft.label }),
    capture,
    noiseSeed: mixSeed(seed, splitNo, index, 0x5eed),
  };
  return {
    split,
    index,
    image: imageName(split, index),
    question: draft.question,
    family,
    answerType: defect === undefined ? draft.answerType : 'unanswerable',
    answerable: defect === undefined ? 1 : 0,
    degradation: defect ?? 'none',
    truth: draft.truth,
    answers,
    scene,
  };
}

/** Plans the whole dataset (same options, same plan). */
export function planSample(options: Omit<SampleOptions, 'out'> = {}): SamplePlan {
  const { n, seed, ratios, imageSize } = resolveSampleOptions({ ...options, out: '.' });
  const sizes = splitSizes(n, ratios);
  const splits = {} as Record<Split, PlannedItem[]>;
  SPLITS.forEach((split, splitNo) => {
    const quotas = slotQuotas(sizes[split]);
    const slots = SLOT_WEIGHTS.flatMap(([slot]) => Array.from({ length: quotas[slot] }, () => slot));
    new Rng(mixSeed(seed, splitNo, 0x51075)).shuffle(slots);
    splits[split] = slots.map((slot, index) => planItem(split, index, slot, seed, imageSize));
  });
  return { n, seed, imageSize, splits };
}

/** The annotation entry for a train/val item (official key order). */
export function toRecord(item: PlannedItem): VizWizRecord {
  return { image: item.image, question: item.question, answers: item.answers, answer_type: item.answerType, answerable: item.answerable };
}

/** The annotation entry for a test item: image and question only. */
export function toQuestion(item: PlannedItem): VizWizQuestion {
  return { image: item.image, question: item.question };
}
