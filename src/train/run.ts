/**
 * The one skeleton of every training run (classifier heads, PaliGemma LoRA): claim the run folder (run.json), resume
 * from the last checkpoint, an optional epoch 0 (the untrained model validated), then per epoch: train, validate, stop
 * on a diverging loss, track the best epoch, write the history, then switch the checkpoint - in that order, so a kill
 * between the two writes resumes from the previous epoch, whose history is a prefix of what was written, and no epoch
 * is ever lost - and `results.json` once every epoch is done. What an epoch is, and what "best" saves, is the
 * trainer's: the skeleton owns the order of the writes.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { loadCheckpoint, saveCheckpoint, type BestEpoch, type Checkpoint } from './checkpoint.js';
import { claimRunFolder, readHistory, writeHistory } from './run-folder.js';

/** What every history entry carries; trainers add their own fields. */
export interface EpochRecord {
  epoch: number;
  /** Mean training loss of the epoch (null for epoch 0). */
  trainLoss: number | null;
  /** Official VizWiz accuracy on validation, percent. */
  valAccuracy: number;
}

export interface EpochOutcome<E extends EpochRecord> {
  record: E;
  /** The loss of the epoch's first step: the reference against which a diverging loss is recognised. */
  firstStepLoss?: number;
}

/** A run's state for the checkpoint: parameters, optimizer state, optimizer steps taken, and tensor shapes by name. */
export interface TrainerState {
  params: ReadonlyMap<string, Float32Array>;
  optimizer: ReadonlyMap<string, Float32Array>;
  steps: number;
  shapeOf: (name: string) => readonly number[];
  /** Trainer-specific JSON state (state.json `extra`; e.g. a float16 fine-tune's loss scale), when it has any. */
  extra?: Readonly<Record<string, unknown>>;
}

export interface Trainer<E extends EpochRecord> {
  /** Validates the untrained model as epoch 0 (only on a fresh run). */
  epochZero?(): Promise<E>;
  /** Trains and validates one epoch (1-based). */
  epoch(epoch: number): Promise<EpochOutcome<E>>;
  /** Saves what the best epoch keeps (its parameters, adapters, predictions). */
  saveBest(record: E): Promise<void>;
  state(): TrainerState;
  /** One log line for a finished epoch. */
  describe(record: E, improved: boolean): string;
  dispose(): Promise<void>;
}

export interface RunOptions<E extends EpochRecord> {
  out: string;
  /** What the run is, for run.json: format, model, configuration (minus what may change between resumptions), data. */
  description: Readonly<Record<string, unknown>>;
  /** What a different run in the folder is called in the refusal (default "a run with another configuration or data"). */
  conflict?: string;
  epochs: number;
  /** Stop after this many epochs in this call (the run stays resumable); for tests and time-boxed jobs. */
  epochBudget?: number;
  /** Builds the trainer from the checkpoint to resume from (undefined on a fresh run). */
  start(checkpoint: Checkpoint | undefined): Promise<Trainer<E>>;
  /** results.json's content, once every epoch is done. */
  results(history: readonly E[], best: BestEpoch | null): Record<string, unknown>;
  /** What to tell the user when the loss diverges, e.g. "lower --lr (now 5)". */
  divergenceHint: string;
  log?: (line: string) => void;
  /** Fault injection for tests: called between the history write and the checkpoint switch. */
  afterHistoryWrite?: (epoch: number) => void | Promise<void>;
}

export interface RunResult<E extends EpochRecord> {
  history: E[];
  best: BestEpoch | null;
  completed: boolean;
}

/** A train loss this many times the first step's (or the first epoch's) is a diverged run, not a bad epoch. */
const DIVERGENCE_FACTOR = 100;

function checkDivergence(record: EpochRecord, reference: number | undefined, hint: string): void {
  const loss = record.trainLoss;
  if (loss === null) return;
  const exploded = reference !== undefined && Number.isFinite(reference) && loss > DIVERGENCE_FACTOR * Math.max(Math.abs(reference), 1e-3);
  if (!Number.isFinite(loss) || exploded) {
    const against = reference === undefined ? '' : ` against ${reference.toPrecision(4)} at the start`;
    throw new VizWizError('TRAINING_DIVERGED', `training diverged in epoch ${record.epoch}: train loss ${loss.toPrecision(4)}${against}; ${hint}`);
  }
}

export async function runTraining<E extends EpochRecord>(o: RunOptions<E>): Promise<RunResult<E>> {
  const { out } = o;
  const log = o.log ?? (() => {});
  await claimRunFolder(out, o.description, o.conflict);
  const checkpoint = await loadCheckpoint(out);
  const startEpoch = checkpoint?.state.epoch ?? 0;
  let history = startEpoch > 0 ? await readHistory<E>(out, startEpoch) : [];
  let best = checkpoint?.state.best ?? null;
  const lastEpoch = Math.min(o.epochs, startEpoch + (o.epochBudget ?? Infinity));
  let reference = history.find((e) => e.epoch > 0)?.trainLoss ?? undefined;
  const trainer = await o.start(checkpoint);
  try {
    if (startEpoch > 0) log(`resuming after epoch ${startEpoch} of ${o.epochs}`);
    else if (trainer.epochZero) {
      history = [await trainer.epochZero()];
      await writeHistory(out, history);
    }
    for (let epoch = startEpoch + 1; epoch <= lastEpoch; epoch++) {
      const { record, firstStepLoss } = await trainer.epoch(epoch);
      reference ??= firstStepLoss ?? undefined;
      checkDivergence(record, reference, o.divergenceHint);
      reference ??= record.trainLoss ?? undefined;
      history.push(record);
      const improved = best === null || record.valAccuracy > best.valAccuracy;
      if (improved) {
        best = { epoch, valAccuracy: record.valAccuracy };
        await trainer.saveBest(record);
      }
      // History first: a kill before the state switch resumes from the previous epoch, whose history is a prefix.
      await writeHistory(out, history);
      await o.afterHistoryWrite?.(epoch);
      const s = trainer.state();
      await saveCheckpoint(out, { epoch, steps: s.steps, best, ...(s.extra ? { extra: s.extra } : {}) }, s.params, s.optimizer, s.shapeOf);
      log(trainer.describe(record, improved));
    }
  } finally {
    await trainer.dispose();
  }
  const completed = lastEpoch >= o.epochs;
  // A run already finished before this call keeps its results.json as written (its provenance included).
  const results = join(out, 'results.json');
  if (completed && !(startEpoch >= o.epochs && existsSync(results))) await writeJsonAtomic(results, o.results(history, best));
  return { history, best, completed };
}
