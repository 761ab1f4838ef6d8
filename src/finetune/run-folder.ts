/**
 * The files of a fine-tune's run folder besides the checkpoints (src/train/checkpoint.ts: checkpoints/, state.json):
 *   run.json       what the run is (format, base, config, prompt, data fingerprints); a rerun with anything else
 *                  in the same folder is refused instead of silently mixing two runs
 *   history.json   one entry per validated epoch, epoch 0 = the base model (zero-shot)
 *   best/          the best epoch's adapter in PEFT format (adapter_config.json, adapter_model.safetensors),
 *                  meta.json (epoch, val accuracy, prompt) - what `vizwiz predict --adapter` reads - and
 *                  val-predictions.json, that epoch's validation answers in the submission format
 */

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VizWizRecord } from '../data/types.js';
import { VizWizError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { LoraSet } from '../models/lora/adapters.js';
import { saveAdapter } from '../models/lora/peft-io.js';
import type { PromptTemplate } from '../models/paligemma/prompt.js';

export const RUN_FORMAT = 'vizwiz-finetune/1';

export interface FinetuneEpoch {
  /** 0 = the base model before training. */
  epoch: number;
  /** Token-weighted mean training loss of the epoch (null for epoch 0). */
  trainLoss: number | null;
  valLoss: number;
  /** Official VizWiz accuracy on validation, percent. */
  valAccuracy: number;
  /** Learning rate of the epoch's last update (null for epoch 0). */
  lr: number | null;
  updates: number;
  /** Mean global gradient norm before clipping (null for epoch 0). */
  gradNorm: number | null;
  seconds: number;
}

export interface BestAdapterMeta {
  epoch: number;
  valAccuracy: number;
  prompt: PromptTemplate;
  base: string;
}

/** A short fingerprint of records (images, questions, answers) to recognise a run's data on resume. */
export function recordsFingerprint(records: readonly VizWizRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify([r.image, r.question, r.answers.map((a) => a.answer)]));
  return h.digest('hex').slice(0, 16);
}

/** Writes run.json, or checks that the folder's run.json describes the same run. */
export async function claimRunFolder(out: string, description: Record<string, unknown>): Promise<void> {
  const file = join(out, 'run.json');
  const text = JSON.stringify(description);
  if (existsSync(file)) {
    if (JSON.stringify(JSON.parse(await readFile(file, 'utf8'))) !== text) {
      throw new VizWizError('INVALID_CHECKPOINT', `${out} holds a fine-tune with another base, configuration or data; use a new --out folder or remove ${out}`);
    }
    return;
  }
  await writeJsonAtomic(file, description);
}

export async function readHistory(out: string, upToEpoch: number): Promise<FinetuneEpoch[]> {
  const file = join(out, 'history.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(await readFile(file, 'utf8')) as FinetuneEpoch[]).filter((e) => e.epoch <= upToEpoch);
}

export async function writeHistory(out: string, history: readonly FinetuneEpoch[]): Promise<void> {
  await writeJsonAtomic(join(out, 'history.json'), history);
}

export async function saveBestAdapter(out: string, set: LoraSet, adapters: ReadonlyMap<string, Float32Array>, meta: BestAdapterMeta): Promise<void> {
  const dir = join(out, 'best');
  await saveAdapter(dir, set, adapters, { 'vizwiz.prompt': meta.prompt.id, 'vizwiz.epoch': String(meta.epoch) });
  await writeJsonAtomic(join(dir, 'meta.json'), meta);
}

/** best/meta.json (or meta.json of any adapter folder written by a fine-tune), when present. */
export async function readAdapterMeta(dir: string): Promise<BestAdapterMeta | undefined> {
  const file = join(dir, 'meta.json');
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as BestAdapterMeta;
}
