/**
 * What a fine-tune's run folder holds besides what every run has (src/train/run-folder.ts: run.json, history.json;
 * src/train/checkpoint.ts: checkpoints/, state.json) - history entries with epoch 0 = the base model (zero-shot), and
 *   best/          the best epoch's adapter in PEFT format (adapter_config.json, adapter_model.safetensors),
 *                  meta.json (epoch, val accuracy, prompt) - what `vizwiz predict --adapter` reads - and
 *                  val-predictions.json, that epoch's validation answers in the submission format
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { LoraSet } from '../models/lora/adapters.js';
import { saveAdapter } from '../models/lora/peft-io.js';
import type { PromptTemplate } from '../models/paligemma/prompt.js';
import type { EpochRecord } from '../train/run.js';

export const RUN_FORMAT = 'vizwiz-finetune/1';

export interface FinetuneEpoch extends EpochRecord {
  /** Token-weighted mean training loss of the epoch (null for epoch 0, the base model before training). */
  trainLoss: number | null;
  valLoss: number;
  /** Learning rate of the epoch's last update (null for epoch 0). */
  lr: number | null;
  updates: number;
  /** Mean global gradient norm before clipping (null for epoch 0). */
  gradNorm: number | null;
  seconds: number;
  /** float16 runs only: updates skipped for overflowing gradients, and the loss scale at the epoch's end. */
  skippedUpdates?: number;
  lossScale?: number;
}

export interface BestAdapterMeta {
  epoch: number;
  valAccuracy: number;
  prompt: PromptTemplate;
  base: string;
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
