/**
 * The files every training run's folder shares (checkpoints live beside them, checkpoint.ts):
 *   run.json       what the run is (format, model, configuration, data fingerprints); a rerun with anything else in
 *                  the same folder is refused instead of silently mixing two runs
 *   history.json   one entry per validated epoch (epoch 0 = before training, when a run validates it)
 */

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VizWizRecord } from '../data/types.js';
import { VizWizError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic-write.js';

/** A short fingerprint of records (images, questions, answers) to recognise a run's data on resume. */
export function recordsFingerprint(records: readonly VizWizRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify([r.image, r.question, r.answers.map((a) => a.answer)]));
  return h.digest('hex').slice(0, 16);
}

/**
 * Writes run.json, or checks that the folder's run.json describes the same run. `holds` names what a different run
 * would be, for the refusal ("a run with another configuration or data").
 */
export async function claimRunFolder(
  out: string,
  description: Readonly<Record<string, unknown>>,
  holds = 'a run with another configuration or data',
): Promise<void> {
  const file = join(out, 'run.json');
  const text = JSON.stringify(description);
  if (existsSync(file)) {
    if (JSON.stringify(JSON.parse(await readFile(file, 'utf8'))) !== text) {
      throw new VizWizError('INVALID_CHECKPOINT', `${out} holds ${holds}; use a new --out folder or remove ${out}`);
    }
    return;
  }
  await writeJsonAtomic(file, description);
}

/** The history entries up to `upToEpoch` (a resumed run drops what came after its checkpoint). */
export async function readHistory<E extends { epoch: number }>(out: string, upToEpoch: number): Promise<E[]> {
  const file = join(out, 'history.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(await readFile(file, 'utf8')) as E[]).filter((e) => e.epoch <= upToEpoch);
}

export async function writeHistory(out: string, history: readonly object[]): Promise<void> {
  await writeJsonAtomic(join(out, 'history.json'), history);
}
