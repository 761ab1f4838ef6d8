/**
 * One training epoch of a fine-tune: the epoch's seeded shuffle, training answers and dropout stream (seeds.ts), then
 * optimizer updates of `gradAccum` micro-batches of `batchSize` examples each, every update at the schedule's
 * learning rate for its index. Returns the epoch's token-weighted mean loss, last learning rate and mean gradient norm.
 */

import type { VizWizRecord } from '../data/types.js';
import { Rng } from '../random/rng.js';
import { VizWizError } from '../errors.js';
import type { PaliGemmaProcessor } from '../models/paligemma/processor.js';
import { learningRate, type ScheduleConfig } from '../train/schedule.js';
import type { FinetuneConfig } from './config.js';
import type { PixelLoader } from './pixels.js';
import { epochSeed, STREAMS } from '../engine/epoch-seeds.js';
import type { LoraStepper } from './stepper.js';
import type { TrainingTargets } from './targets.js';

export interface EpochContext {
  config: FinetuneConfig;
  records: readonly VizWizRecord[];
  targets: TrainingTargets;
  pixels: PixelLoader;
  proc: PaliGemmaProcessor;
  stepper: LoraStepper;
  /** Optimizer updates in the whole run (the schedule's length). */
  totalUpdates: number;
  log: (line: string) => void;
}

export interface EpochSummary {
  trainLoss: number;
  /** Loss of the epoch's first update: the reference a diverging loss is measured against (train/run.ts). */
  firstLoss: number;
  /** Learning rate of the last update. */
  lr: number;
  updates: number;
  /** Mean global gradient norm before clipping (over the applied updates). */
  gradNorm: number;
  /** float16: updates skipped because a gradient overflowed at the loss scale (0 in float32). */
  skipped: number;
}

/** Consecutive slices of `items` of at most `size` each. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Examples per optimizer update and updates per epoch. */
export function updatesPerEpoch(c: FinetuneConfig, records: number): number {
  return Math.ceil(records / (c.batchSize * c.gradAccum));
}

export async function trainEpoch(x: EpochContext, epoch: number): Promise<EpochSummary> {
  const { config: c, records, stepper } = x;
  const order = Array.from(new Rng(epochSeed(c.seed, epoch, STREAMS.shuffle)).permutation(records.length));
  const answers = x.targets.forEpoch(new Rng(epochSeed(c.seed, epoch, STREAMS.targets)));
  const dropout = new Rng(epochSeed(c.seed, epoch, STREAMS.dropout));
  const schedule: ScheduleConfig = { kind: c.schedule, lr: c.lr, warmup: c.warmup };
  const updates = chunks(order, c.batchSize * c.gradAccum);
  let [lossSum, tokens, normSum, lr, skipped] = [0, 0, 0, 0, 0];
  let firstLoss = Number.NaN;
  for (const [u, rows] of updates.entries()) {
    for (const micro of chunks(rows, c.batchSize)) {
      const rs = micro.map((i) => records[i] as VizWizRecord);
      const images = await x.pixels.many(rs.map((r) => r.image));
      const examples = rs.map((r, k) => ({ image: images[k] as Float32Array, question: r.question, answer: answers[micro[k] as number] ?? '' }));
      await stepper.accumulate(x.proc.encode(examples, { train: true }), dropout);
    }
    lr = learningRate(schedule, stepper.steps, x.totalUpdates);
    const r = await stepper.update(lr);
    if (!Number.isFinite(r.loss))
      throw new VizWizError('TRAINING_DIVERGED', `training diverged in epoch ${epoch}, update ${u + 1}: loss ${r.loss}; lower --lr (now ${c.lr})`);
    if (u === 0) firstLoss = r.loss;
    lossSum += r.loss * r.tokens;
    tokens += r.tokens;
    if (r.applied) normSum += r.gradNorm;
    else {
      skipped++;
      x.log(`epoch ${epoch}: update ${u + 1} skipped: a gradient overflowed float16 at loss scale ${r.lossScale} (now ${stepper.scaler?.scale})`);
    }
    if (updates.length >= 20 && (u + 1) % Math.ceil(updates.length / 10) === 0)
      x.log(`epoch ${epoch}: update ${u + 1}/${updates.length}, loss ${r.loss.toFixed(4)}`);
  }
  return { trainLoss: lossSum / tokens, firstLoss, lr, updates: updates.length, gradNorm: normSum / (updates.length - skipped), skipped };
}
