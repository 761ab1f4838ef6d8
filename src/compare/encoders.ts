/**
 * Which weights each model of the comparison uses. With real data the registry's default sources apply
 * (hf:openai/clip-vit-large-patch14-336, hf:timm/resnet50.tv_in1k, hf:google/paligemma-3b-pt-224) unless overridden.
 * The embedded default uses small randomly initialised models of the real architectures that the project writes
 * itself into OUT/models (deterministic for the seed), so the whole pipeline runs offline in minutes. Each tiny
 * folder records the seed it was made with (vizwiz-tiny.json) and is written again for another seed.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { writeTinyClip } from '../models/clip/tiny.js';
import { sampleQuestionAnswers } from '../data/sample/texts.js';
import { writeTinyPaligemma } from '../models/paligemma/tiny.js';
import { writeTinyResnet } from '../models/resnet/tiny.js';

/** The user's model options (--clip-model, --resnet-model, --paligemma-model). */
export interface ModelSourceOptions {
  clipModel?: string;
  resnetModel?: string;
  paligemmaModel?: string;
}

export interface TinyModel {
  /** Folder under OUT/models. */
  folder: string;
  /** Offset added to --seed, so the tiny models differ from each other. */
  seedOffset: number;
  write(dir: string, seed: number): Promise<unknown>;
}

/** Per model family: the option that names its weights, and the tiny stand-in of the embedded default. */
const MODEL_SOURCES = {
  'clip-vit-l14-336': { option: 'clipModel', tiny: { folder: 'tiny-clip', seedOffset: 1, write: writeTinyClip } },
  resnet50: { option: 'resnetModel', tiny: { folder: 'tiny-resnet50', seedOffset: 2, write: writeTinyResnet } },
  paligemma: {
    option: 'paligemmaModel',
    tiny: { folder: 'tiny-paligemma', seedOffset: 3, write: (dir: string, seed: number) => writeTinyPaligemma(dir, sampleQuestionAnswers(), seed) },
  },
} as const satisfies Record<string, { option: keyof ModelSourceOptions; tiny: TinyModel }>;

export type ModelFamily = keyof typeof MODEL_SOURCES;

const MARKER = 'vizwiz-tiny.json';

/** Writes a tiny model into OUT/models/<folder> unless it is there already for this seed; returns the folder. */
async function tinyModel(out: string, tiny: TinyModel, seed: number, log: (line: string) => void): Promise<string> {
  const dir = join(out, 'models', tiny.folder);
  const marker = join(dir, MARKER);
  const wanted = seed + tiny.seedOffset;
  let made: { seed?: number } | undefined;
  try {
    made = JSON.parse(await readFile(marker, 'utf8')) as { seed?: number };
  } catch {
    made = undefined;
  }
  if (made?.seed === wanted) return dir;
  await rm(dir, { recursive: true, force: true });
  await tiny.write(dir, wanted);
  await writeJsonAtomic(marker, { seed: wanted });
  log(`models: wrote a tiny random ${tiny.folder.replace(/^tiny-/, '')} (seed ${wanted}) to ${dir}`);
  return dir;
}

/**
 * The weights source of `family`: the user's option; with real data, undefined (the encoder registry's default);
 * on the embedded default, the tiny model.
 */
export async function modelSource(
  family: ModelFamily,
  o: ModelSourceOptions & { out: string; seed: number; realData: boolean; log: (line: string) => void },
): Promise<string | undefined> {
  const { option, tiny } = MODEL_SOURCES[family];
  const given = o[option];
  if (given !== undefined) return given;
  if (o.realData) return undefined;
  return tinyModel(o.out, tiny, o.seed, o.log);
}
