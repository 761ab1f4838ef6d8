/**
 * Where a dataset folder keeps its QualityIssues annotations, beside the VQA layout (src/data/layout.ts):
 *   DIR/QualityIssues/train.json, DIR/QualityIssues/val.json         (folders; what the sample writes by default)
 *   DIR/QualityIssues.zip with train.json or QualityIssues/train.json  (the zip layout)
 * The official release's files can be put there untouched (or loaded from any path with loadQualityAnnotations).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { loadQualityAnnotations, parseQualityText, type QualityRecord } from './quality-annotations.js';
import { DEFAULT_SIZE_LIMITS } from './size-limits.js';
import { ZipArchive } from './zip-archive.js';

export const QUALITY_FOLDER = 'QualityIssues';
export type QualitySplit = 'train' | 'val';

async function zipEntry(zip: string, split: QualitySplit): Promise<string | undefined> {
  const archive = await ZipArchive.open(zip);
  try {
    const entry = [`${split}.json`, `${QUALITY_FOLDER}/${split}.json`].find((e) => archive.has(e));
    return entry === undefined
      ? undefined
      : (await archive.read(entry, { maxBytes: DEFAULT_SIZE_LIMITS.maxAnnotationBytes, what: 'a quality annotation file' })).toString('utf8');
  } finally {
    archive.close();
  }
}

/** Whether DIR has quality annotations for the split (folder layout, or a QualityIssues.zip to look into). */
export function hasSplitQuality(dir: string, split: QualitySplit): boolean {
  return existsSync(join(dir, QUALITY_FOLDER, `${split}.json`)) || existsSync(join(dir, `${QUALITY_FOLDER}.zip`));
}

export async function loadSplitQuality(dir: string, split: QualitySplit): Promise<QualityRecord[]> {
  const file = join(dir, QUALITY_FOLDER, `${split}.json`);
  if (existsSync(file)) return loadQualityAnnotations(file);
  const zip = join(dir, `${QUALITY_FOLDER}.zip`);
  if (existsSync(zip)) {
    const text = await zipEntry(zip, split);
    if (text !== undefined) return parseQualityText(text, `${zip}:${split}.json`);
  }
  throw new VizWizError(
    'NOT_FOUND',
    `${dir}: no ${split} quality annotations (looked for ${QUALITY_FOLDER}/${split}.json and ${QUALITY_FOLDER}.zip); ` +
      'put the VizWiz-QualityIssues files there, or regenerate the sample with `vizwiz sample`',
  );
}
