/**
 * `generateSample`: plans the synthetic dataset, renders and encodes every image, and writes it in the official
 * VizWiz layout, either as folders (Annotations/*.json, train/, val/, test/) or as the released zips
 * (Annotations.zip with Annotations/*.json inside, train.zip with train/VizWiz_train_*.jpg inside, ...), plus the
 * photos' QualityIssues labels for train and val (QualityIssues/*.json, or QualityIssues.zip; see quality.ts).
 */

import path from 'node:path';
import { ANSWER_TYPES, type AnswerType } from '../types.js';
import { encodeScene } from './encode.js';
import { resolveSampleOptions, SPLITS, type SampleOptions, type Split } from './options.js';
import { planSample, toQuestion, toRecord, type PlannedItem, type SamplePlan } from './plan.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { mapPool, writeZipAtomic, type ZipEntry } from './write.js';
import { qualityJson } from './quality.js';
import { QUALITY_FOLDER } from '../quality-layout.js';

/** Splits that get QualityIssues labels (the release's test labels are hidden too). */
const QUALITY_SPLITS = ['train', 'val'] as const;

export interface SplitSummary {
  questions: number;
  /** Questions per answer type (for the test split: the hidden truth, not written to test.json). */
  byAnswerType: Record<AnswerType, number>;
}

export interface SampleSummary {
  out: string;
  layout: 'folder' | 'zip';
  n: number;
  seed: number;
  imageSize: number;
  splits: Record<Split, SplitSummary>;
  byAnswerType: Record<AnswerType, number>;
  /** Paths written: the three annotation files, image folders and two quality files, or the five zips. */
  written: string[];
  durationMs: number;
}

function countTypes(items: readonly PlannedItem[]): Record<AnswerType, number> {
  const counts = Object.fromEntries(ANSWER_TYPES.map((t) => [t, 0])) as Record<AnswerType, number>;
  for (const item of items) counts[item.answerType]++;
  return counts;
}

/** The annotation file text of a split (compact JSON array, like the official files). */
export function annotationJson(split: Split, items: readonly PlannedItem[]): string {
  return JSON.stringify(split === 'test' ? items.map(toQuestion) : items.map(toRecord));
}

async function writeFolders(out: string, plan: SamplePlan, concurrency: number): Promise<string[]> {
  const written: string[] = [];
  for (const split of SPLITS) {
    const items = plan.splits[split];
    const dir = path.join(out, split);
    await mapPool(items, concurrency, async (item) => writeFileAtomic(path.join(dir, item.image), await encodeScene(item.scene)));
    const annotations = path.join(out, 'Annotations', `${split}.json`);
    await writeFileAtomic(annotations, annotationJson(split, items));
    written.push(annotations, dir);
  }
  for (const split of QUALITY_SPLITS) {
    const file = path.join(out, QUALITY_FOLDER, `${split}.json`);
    await writeFileAtomic(file, qualityJson(plan.splits[split]));
    written.push(file);
  }
  return written;
}

async function writeZips(out: string, plan: SamplePlan, concurrency: number): Promise<string[]> {
  const written: string[] = [];
  for (const split of SPLITS) {
    const items = plan.splits[split];
    const jpegs = await mapPool(items, concurrency, (item) => encodeScene(item.scene));
    const entries: ZipEntry[] = items.map((item, i) => ({ name: `${split}/${item.image}`, data: jpegs[i] ?? Buffer.alloc(0), compress: false }));
    const zipPath = path.join(out, `${split}.zip`);
    await writeZipAtomic(zipPath, entries);
    written.push(zipPath);
  }
  const annotations = SPLITS.map((split) => ({
    name: `Annotations/${split}.json`,
    data: Buffer.from(annotationJson(split, plan.splits[split])),
    compress: true,
  }));
  const annotationsZip = path.join(out, 'Annotations.zip');
  await writeZipAtomic(annotationsZip, annotations);
  const quality = QUALITY_SPLITS.map((split) => ({
    name: `${QUALITY_FOLDER}/${split}.json`,
    data: Buffer.from(qualityJson(plan.splits[split])),
    compress: true,
  }));
  const qualityZip = path.join(out, `${QUALITY_FOLDER}.zip`);
  await writeZipAtomic(qualityZip, quality);
  return [annotationsZip, ...written, qualityZip];
}

/** Generates the synthetic VizWiz-format dataset and returns what was written. */
export async function generateSample(options: SampleOptions): Promise<SampleSummary> {
  const started = performance.now();
  const resolved = resolveSampleOptions(options);
  const plan = planSample(resolved);
  const out = path.resolve(resolved.out);
  const written = resolved.zip ? await writeZips(out, plan, resolved.concurrency) : await writeFolders(out, plan, resolved.concurrency);
  const splits = Object.fromEntries(
    SPLITS.map((split) => [split, { questions: plan.splits[split].length, byAnswerType: countTypes(plan.splits[split]) }]),
  ) as Record<Split, SplitSummary>;
  return {
    out,
    layout: resolved.zip ? 'zip' : 'folder',
    n: plan.n,
    seed: plan.seed,
    imageSize: plan.imageSize,
    splits,
    byAnswerType: countTypes(SPLITS.flatMap((split) => plan.splits[split])),
    written,
    durationMs: Math.round(performance.now() - started),
  };
}

/** One line: "300 questions (train 210, val 45, test 45; other 138, ...) -> /out [folder]". */
export function formatSummary(summary: SampleSummary): string {
  const splits = SPLITS.map((s) => `${s} ${summary.splits[s].questions}`).join(', ');
  const types = ANSWER_TYPES.map((t) => `${t} ${summary.byAnswerType[t]}`).join(', ');
  return `sample: ${summary.n} questions (${splits}; ${types}), seed ${summary.seed}, ${summary.imageSize}px -> ${summary.out} [${summary.layout}] in ${(summary.durationMs / 1000).toFixed(1)}s`;
}
