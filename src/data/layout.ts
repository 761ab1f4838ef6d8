/**
 * The official VizWiz release layout, read untouched:
 *   DIR/Annotations.zip (train.json, val.json, test.json, at the root or under Annotations/) or DIR/Annotations/*.json
 *   DIR/train.zip, DIR/val.zip, DIR/test.zip (images under train/ ...) or DIR/train/, DIR/val/, DIR/test/ folders.
 * The sample generator writes the same layout, so the demo and real data go through one path.
 * `limits` caps one annotation file and one image (src/data/size-limits.ts; defaults fit the real release).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { loadAnnotations, loadQuestions, parseAnnotationsText } from './annotations.js';
import { openImageSource, type ImageSource } from './image-source.js';
import { DEFAULT_SIZE_LIMITS, type SizeLimits } from './size-limits.js';
import type { VizWizQuestion, VizWizRecord } from './types.js';
import { ZipArchive } from './zip-archive.js';

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** Where a split's annotations are: a JSON file, or an entry of Annotations.zip. */
export type AnnotationLocation = { file: string } | { zip: string; entry: string };

function findAnnotations(dir: string, split: Split): AnnotationLocation | undefined {
  for (const file of [join(dir, 'Annotations', `${split}.json`), join(dir, `${split}.json`)]) {
    if (existsSync(file)) return { file };
  }
  return undefined;
}

async function locateAnnotations(dir: string, split: Split): Promise<AnnotationLocation> {
  const plain = findAnnotations(dir, split);
  if (plain) return plain;
  const zip = join(dir, 'Annotations.zip');
  if (existsSync(zip)) {
    const archive = await ZipArchive.open(zip);
    try {
      const entry = [`${split}.json`, `Annotations/${split}.json`].find((e) => archive.has(e));
      if (entry) return { zip, entry };
    } finally {
      archive.close();
    }
  }
  throw new VizWizError('NOT_FOUND', `${dir}: no ${split} annotations (looked for Annotations/${split}.json, ${split}.json and Annotations.zip)`);
}

async function readZipText(zip: string, entry: string, limits: Partial<SizeLimits>): Promise<string> {
  const archive = await ZipArchive.open(zip);
  const maxBytes = limits.maxAnnotationBytes ?? DEFAULT_SIZE_LIMITS.maxAnnotationBytes;
  try {
    return (await archive.read(entry, { maxBytes, what: 'an annotation file' })).toString('utf8');
  } finally {
    archive.close();
  }
}

/** Loads a split's answered records (train/val). */
export async function loadSplitRecords(dir: string, split: Split, limits: Partial<SizeLimits> = {}): Promise<VizWizRecord[]> {
  const loc = await locateAnnotations(dir, split);
  if ('file' in loc) return loadAnnotations(loc.file, limits);
  return parseAnnotationsText(await readZipText(loc.zip, loc.entry, limits), `${loc.zip}:${loc.entry}`, 'answered');
}

/** Loads a split's questions (any split; answers, when present, are ignored). */
export async function loadSplitQuestions(dir: string, split: Split, limits: Partial<SizeLimits> = {}): Promise<VizWizQuestion[]> {
  const loc = await locateAnnotations(dir, split);
  if ('file' in loc) return loadQuestions(loc.file, limits);
  return parseAnnotationsText(await readZipText(loc.zip, loc.entry, limits), `${loc.zip}:${loc.entry}`, 'questions');
}

/** The split's image folder or zip path. */
function splitImagesPath(dir: string, split: Split): string {
  for (const candidate of [join(dir, split), join(dir, `${split}.zip`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new VizWizError('NOT_FOUND', `${dir}: no ${split} images (looked for a ${split}/ folder and ${split}.zip)`);
}

export async function openSplitImages(dir: string, split: Split, limits: Partial<SizeLimits> = {}): Promise<ImageSource> {
  return openImageSource(splitImagesPath(dir, split), limits);
}
