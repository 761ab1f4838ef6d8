/**
 * The tiny random PaliGemma checkpoint (the writer lives in src/models/paligemma/tiny.ts, used by compare too) and,
 * for the fine-tuning tests, one sample dataset plus tiny checkpoint made once per test process.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAnnotations } from '../../src/data/annotations.js';
import { openImageSource, type ImageSource } from '../../src/data/image-source.js';
import { generateSample } from '../../src/data/sample/index.js';
import type { VizWizRecord } from '../../src/data/types.js';
import { sampleQuestionAnswers } from '../../src/data/sample/texts.js';
import { writeTinyPaligemma as writeTiny } from '../../src/models/paligemma/tiny.js';

/** The tiny PaliGemma with the sample dataset's tokenizer (what the embedded default uses). */
export function writeTinyPaligemma(dir: string, seed = 1): Promise<string> {
  return writeTiny(dir, sampleQuestionAnswers(), seed);
}

export interface TinySplit {
  annotations: string;
  imagesDir: string;
  images: ImageSource;
  records: VizWizRecord[];
}

export interface TinyFinetuneData {
  dir: string;
  /** The tiny PaliGemma checkpoint folder. */
  model: string;
  train: TinySplit;
  val: TinySplit;
}

const cache = new Map<string, Promise<TinyFinetuneData>>();

async function split(dir: string, name: 'train' | 'val'): Promise<TinySplit> {
  const annotations = join(dir, 'Annotations', `${name}.json`);
  const imagesDir = join(dir, name);
  return { annotations, imagesDir, images: await openImageSource(imagesDir), records: await loadAnnotations(annotations) };
}

/** A sample dataset of `n` questions (seed `seed`) and the tiny PaliGemma (seed 1), made once per process. */
export function tinyFinetuneData(n = 300, seed = 5): Promise<TinyFinetuneData> {
  const key = `${n}:${seed}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'vizwiz-finetune-'));
      await generateSample({ out: join(dir, 'sample'), n, seed });
      const model = await writeTinyPaligemma(join(dir, 'tiny-paligemma'), 1);
      return { dir, model, train: await split(join(dir, 'sample'), 'train'), val: await split(join(dir, 'sample'), 'val') };
    })();
    cache.set(key, p);
  }
  return p;
}
