/**
 * Where each model of a comparison keeps its work: OUT/runs/<id>-<key>/, named by the stage key of everything that
 * decides the model's answers (data content, features or images, weights, configuration, answer selection). The same
 * inputs find the same folder - finished: reused; interrupted: resumed - and other inputs get another folder, so a
 * run is never reused for inputs it was not made from, and no run is deleted (going back to earlier settings
 * reuses their run; remove old folders by hand when the disk fills). A run folder holds:
 *   stage.json         the full key and the inputs it was made from, readable
 *   predictions.json   the validation answers (official submission format), written once the model has answered
 * plus whatever its trainer writes (checkpoints, history.json, results.json). The answers the report scores are
 * copied to OUT/predictions/val.<id>.json on every run, so that file always belongs to the report beside it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Prediction } from '../data/types.js';
import { VizWizError } from '../errors.js';
import { readSubmission, writeSubmission } from '../eval/submission.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { stageKey } from './stage-key.js';

/** Hex digits of the key in the folder name: 64 bits, plenty to tell a few runs apart. */
const NAME_DIGITS = 16;

export interface CachedRun {
  id: string;
  key: string;
  dir: string;
  /** OUT/predictions/val.<id>.json, the copy the report and `vizwiz eval` read. */
  published: string;
}

/** The run folder of model `id` for `inputs`, claimed with its stage.json. */
export async function openRun(out: string, id: string, inputs: Record<string, unknown>): Promise<CachedRun> {
  const key = stageKey(inputs);
  const dir = join(out, 'runs', `${id}-${key.slice(0, NAME_DIGITS)}`);
  const stage = join(dir, 'stage.json');
  if (existsSync(stage)) {
    const stored = (JSON.parse(await readFile(stage, 'utf8')) as { key?: string }).key;
    if (stored !== key) {
      throw new VizWizError('INVALID_CHECKPOINT', `${dir} holds a run of other inputs (key ${stored}, expected ${key}); remove ${dir}`);
    }
  } else {
    await writeJsonAtomic(stage, { id, key, inputs });
  }
  return { id, key, dir, published: join(out, 'predictions', `val.${id}.json`) };
}

/** The run's validation answers when it has finished, else undefined. */
export async function finishedPredictions(run: CachedRun): Promise<Prediction[] | undefined> {
  const file = join(run.dir, 'predictions.json');
  return existsSync(file) ? readSubmission(file) : undefined;
}

/** Saves the run's validation answers (the run is finished from then on). */
export async function savePredictions(run: CachedRun, predictions: readonly Prediction[]): Promise<void> {
  await writeSubmission(join(run.dir, 'predictions.json'), predictions);
}

/** Copies the answers to OUT/predictions/val.<id>.json for the report and `vizwiz eval`. */
export async function publishPredictions(run: CachedRun, predictions: readonly Prediction[]): Promise<void> {
  await writeSubmission(run.published, predictions);
}
