/**
 * The training loop of the classifier heads: seeded shuffling, batches, a learning-rate schedule, one
 * `session.run` per step (forward + backward + update inside the graph), validation every epoch (loss and the
 * official VizWiz accuracy of the decoded answers), the best epoch's parameters, `history.json`, and resumption:
 * rerunning the same command after a kill continues from the last finished epoch with the same result as an
 * uninterrupted run (shuffling and dropout masks depend only on the seed and the epoch).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { adam, adamw } from '../engine/optim.js';
import { initParams } from '../engine/init.js';
import { Rng } from '../engine/rng.js';
import { epochSeed, STREAMS } from '../engine/epoch-seeds.js';
import { TrainSession } from '../engine/train-session.js';
import { buildTrainLoop } from '../engine/train-loop.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { evaluate } from '../eval/evaluate.js';
import type { VizWizRecord } from '../data/types.js';
import { BatchAssembler, batchesOf, stackBatches } from './batches.js';
import { loadCheckpoint, saveBest, saveCheckpoint, shapeLookup, type BestEpoch } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { decodeAnswers, sigmoid } from './decode.js';
import { HeadEvaluator } from './evaluate-head.js';
import { knownRows } from './labels.js';
import { prepareHead, type PreparedHead } from './prepare.js';
import { learningRate } from './schedule.js';
import type { FeatureSet } from '../features/feature-file.js';
import { provenance } from '../provenance.js';

export interface SplitInput {
  records: readonly VizWizRecord[];
  features: FeatureSet;
  /** Where the features came from, for messages and results. */
  source: string;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** Official VizWiz accuracy on validation, percent. */
  valAccuracy: number;
  lr: number;
  seconds: number;
}

export interface TrainRunOptions {
  out: string;
  config: TrainConfig;
  train: SplitInput;
  val: SplitInput;
  log?: (line: string) => void;
  /** Stop after this many epochs in this call (the run stays resumable); for tests and time-boxed jobs. */
  epochBudget?: number;
}

export interface TrainResult {
  history: EpochRecord[];
  best: BestEpoch | null;
  completed: boolean;
}

async function checkSameRun(out: string, prepared: PreparedHead): Promise<void> {
  const file = join(out, 'model.json');
  if (!existsSync(file)) return;
  const before = JSON.stringify(JSON.parse(await readFile(file, 'utf8')));
  if (before !== JSON.stringify(prepared.description)) {
    throw new VizWizError(
      'INVALID_CHECKPOINT',
      `${out} holds a run with another configuration or data; use a new --out folder or remove ${out}`,
    );
  }
}

export async function trainHead(o: TrainRunOptions): Promise<TrainResult> {
  const { out, config } = o;
  const log = o.log ?? (() => {});
  const prepared = prepareHead(config, o.train, o.val);
  await checkSameRun(out, prepared);
  await writeJsonAtomic(join(out, 'model.json'), prepared.description);

  const { model, loss } = prepared.spec;
  const optimizer = config.optimizer === 'adamw' ? adamw({ weightDecay: config.weightDecay }) : adam({ weightDecay: config.weightDecay });
  const graph = buildTrainLoop(model, loss, optimizer);
  const shapeOf = shapeLookup(model.params);
  const checkpoint = await loadCheckpoint(out);
  const startEpoch = checkpoint?.state.epoch ?? 0;
  const params = checkpoint?.params ?? initParams(model.params, config.seed);
  const sessionOptions = { device: config.device, ...(config.threads ? { threads: config.threads } : {}) };
  const session = await TrainSession.create(graph, params, {
    ...sessionOptions,
    ...(checkpoint ? { state: checkpoint.optimizer, stepsDone: checkpoint.state.steps } : {}),
  });
  const evaluator = await HeadEvaluator.create(model, loss, prepared.vocab.size, params, sessionOptions);

  const historyFile = join(out, 'history.json');
  let history: EpochRecord[] = [];
  if (startEpoch > 0 && existsSync(historyFile)) {
    history = (JSON.parse(await readFile(historyFile, 'utf8')) as EpochRecord[]).filter((e) => e.epoch <= startEpoch);
  }
  let best = checkpoint?.state.best ?? null;
  if (startEpoch > 0) log(`resuming after epoch ${startEpoch} of ${config.epochs}`);

  const trainRows = knownRows(prepared.train.labels);
  const batchesPerEpoch = Math.ceil(trainRows.length / config.batchSize);
  const totalSteps = batchesPerEpoch * config.epochs;
  const assembler = new BatchAssembler(prepared.train.inputs, prepared.train.labels, graph.batchInputs.map((i) => i.name));
  const schedule = { kind: config.schedule, lr: config.lr, warmup: config.warmup };
  // Steps per session.run: about 2,048 rows, so the per-run copy of parameters and state is amortised.
  const stepsPerRun = Math.max(1, Math.round(2048 / config.batchSize));
  const lastEpoch = Math.min(config.epochs, startEpoch + (o.epochBudget ?? Infinity));
  try {
    for (let epoch = startEpoch + 1; epoch <= lastEpoch; epoch++) {
      const started = performance.now();
      const order = new Rng(epochSeed(config.seed, epoch, STREAMS.shuffle)).permutation(trainRows.length).map((i) => trainRows[i]!);
      session.reseedDropout(epochSeed(config.seed, epoch, STREAMS.dropout));
      let lossSum = 0;
      let lr = config.lr;
      const batches = [...batchesOf(order, config.batchSize)];
      for (let i = 0; i < batches.length; ) {
        // Full batches run stepsPerRun at a time in one loop-graph call; a smaller last batch runs alone.
        const chunk: Int32Array[] = [];
        while (i < batches.length && chunk.length < stepsPerRun && batches[i]!.length === config.batchSize) chunk.push(batches[i++]!);
        if (chunk.length === 0) chunk.push(batches[i++]!);
        const lrs = chunk.map((_, k) => learningRate(schedule, session.stepsDone + k, totalSteps));
        const { losses } = await session.steps(stackBatches(assembler, chunk), lrs);
        const totals = losses[loss.totalName]!;
        chunk.forEach((rows, k) => {
          lossSum += totals[k]! * rows.length;
        });
        lr = lrs[lrs.length - 1]!;
      }
      const trainLoss = lossSum / trainRows.length;
      if (!Number.isFinite(trainLoss)) {
        throw new VizWizError('INVALID_ARGUMENT', `training diverged in epoch ${epoch} (loss ${trainLoss}); lower --lr`);
      }

      evaluator.setParams(session.parameters());
      const valOut = await evaluator.run(prepared.val.inputs, o.val.records.length, prepared.val.labels, config.batchSize);
      const answers = decodeAnswers(valOut.answerLogits, prepared.vocab);
      const predictions = o.val.records.map((r, i) => ({ image: r.image, answer: answers[i]!, answerable: sigmoid(valOut.answerableLogits[i]!) }));
      const valAccuracy = evaluate(o.val.records, predictions, { metric: 'official' }).overall;
      const record: EpochRecord = {
        epoch,
        trainLoss,
        valLoss: valOut.loss,
        valAccuracy,
        lr,
        seconds: (performance.now() - started) / 1000,
      };
      history.push(record);
      const improved = best === null || valAccuracy > best.valAccuracy;
      if (improved) {
        best = { epoch, valAccuracy };
        await saveBest(out, best, session.parameters(), shapeOf);
      }
      await saveCheckpoint(out, { epoch, steps: session.stepsDone, best }, session.parameters(), session.optimizerState(), shapeOf);
      await writeJsonAtomic(historyFile, history);
      log(
        `epoch ${epoch}/${config.epochs}: train loss ${trainLoss.toFixed(4)}, val loss ${valOut.loss.toFixed(4)}, ` +
          `val accuracy ${valAccuracy.toFixed(2)}${improved ? ' (best)' : ''}, ${record.seconds.toFixed(1)} s`,
      );
    }
  } finally {
    await session.dispose();
    await evaluator.dispose();
  }
  const completed = lastEpoch >= config.epochs;
  if (completed) {
    await writeJsonAtomic(join(out, 'results.json'), {
      task: 'train',
      head: config.head,
      config,
      metric: 'official',
      best,
      history,
      data: { train: o.train.source, val: o.val.source, trainRows: o.train.records.length, valRows: o.val.records.length },
      provenance: provenance(),
    });
  }
  return { history, best, completed };
}
