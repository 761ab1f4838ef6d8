/**
 * Training of the classifier heads on the run skeleton (run.ts): per epoch, seeded shuffling, batches, a
 * learning-rate schedule, S steps per `session.run` (forward + backward + update inside an epoch-loop graph), then
 * validation (loss and the official VizWiz accuracy of the decoded answers). The skeleton owns the run folder, the
 * best epoch, history, checkpoints and resumption: rerunning the same command after a kill continues from the last
 * finished epoch with the same result as an uninterrupted run (shuffling and dropout masks depend only on the seed
 * and the epoch).
 */
import { join } from 'node:path';
import { adam, adamw } from '../engine/optim.js';
import { initParams } from '../engine/init.js';
import { Rng } from '../random/rng.js';
import { epochSeed, STREAMS } from '../engine/epoch-seeds.js';
import { TrainSession } from '../engine/train-session.js';
import { buildTrainLoop } from '../engine/train-loop.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import { evaluate } from '../eval/evaluate.js';
import type { VizWizRecord } from '../data/types.js';
import { BatchAssembler, batchesOf, stackBatches } from './batches.js';
import { saveBest, shapeLookup } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { decodeAnswers, sigmoid } from './decode.js';
import { HeadEvaluator } from './evaluate-head.js';
import { knownRows } from './labels.js';
import { prepareHead } from './prepare.js';
import { runTraining, type EpochRecord as RunEpoch, type RunResult } from './run.js';
import { recordsFingerprint } from './run-folder.js';
import { learningRate } from './schedule.js';
import { stepsPerRun } from './steps-per-run.js';
import type { FeatureSet } from '../features/feature-file.js';
import { provenance } from '../provenance.js';

export interface SplitInput {
  records: readonly VizWizRecord[];
  features: FeatureSet;
  /** Where the features came from, for messages and results. */
  source: string;
}

export interface EpochRecord extends RunEpoch {
  trainLoss: number;
  valLoss: number;
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
  /** Fault injection for tests: called between the history write and the checkpoint switch (run.ts). */
  afterHistoryWrite?: (epoch: number) => void | Promise<void>;
}

export type TrainResult = RunResult<EpochRecord>;

export async function trainHead(o: TrainRunOptions): Promise<TrainResult> {
  const { out, config } = o;
  const prepared = prepareHead(config, o.train, o.val);
  const { model, loss } = prepared.spec;
  const shapeOf = shapeLookup(model.params);
  const sessionOptions = { device: config.device, ...(config.threads ? { threads: config.threads } : {}) };
  const description = {
    ...prepared.description,
    valDataHash: recordsFingerprint(o.val.records),
    features: { train: o.train.features.metadata.fingerprint ?? null, val: o.val.features.metadata.fingerprint ?? null },
  };
  const result = await runTraining<EpochRecord>({
    out,
    description,
    epochs: config.epochs,
    epochBudget: o.epochBudget,
    divergenceHint: `lower --lr (now ${config.lr})`,
    log: o.log,
    afterHistoryWrite: o.afterHistoryWrite,
    async start(checkpoint) {
      // model.json: what `predict` rebuilds the head from.
      await writeJsonAtomic(join(out, 'model.json'), prepared.description);
      const optimizer = config.optimizer === 'adamw' ? adamw({ weightDecay: config.weightDecay }) : adam({ weightDecay: config.weightDecay });
      const graph = buildTrainLoop(model, loss, optimizer);
      const params = checkpoint?.params ?? initParams(model.params, config.seed);
      const session = await TrainSession.create(graph, params, {
        ...sessionOptions,
        residentState: true, // on WebGPU: parameters and Adam's state stay on the device between runs
        ...(checkpoint ? { state: checkpoint.optimizer, stepsDone: checkpoint.state.steps } : {}),
      });
      const evaluator = await HeadEvaluator.create(model, loss, prepared.vocab.size, params, sessionOptions);
      const trainRows = knownRows(prepared.train.labels);
      const totalSteps = Math.ceil(trainRows.length / config.batchSize) * config.epochs;
      const assembler = new BatchAssembler(
        prepared.train.inputs,
        prepared.train.labels,
        graph.batchInputs.map((i) => i.name),
      );
      const schedule = { kind: config.schedule, lr: config.lr, warmup: config.warmup };
      const perRun = stepsPerRun(config.batchSize);
      return {
        async epoch(epoch) {
          const started = performance.now();
          const order = new Rng(epochSeed(config.seed, epoch, STREAMS.shuffle)).permutation(trainRows.length).map((i) => trainRows[i]!);
          session.reseedDropout(epochSeed(config.seed, epoch, STREAMS.dropout));
          let lossSum = 0;
          let lr = config.lr;
          let firstStepLoss: number | undefined;
          const batches = [...batchesOf(order, config.batchSize)];
          for (let i = 0; i < batches.length;) {
            // Full batches run perRun at a time in one loop-graph call; a smaller last batch runs alone.
            const chunk: Int32Array[] = [];
            while (i < batches.length && chunk.length < perRun && batches[i]!.length === config.batchSize) chunk.push(batches[i++]!);
            if (chunk.length === 0) chunk.push(batches[i++]!);
            const lrs = chunk.map((_, k) => learningRate(schedule, session.stepsDone + k, totalSteps));
            const { losses } = await session.steps(stackBatches(assembler, chunk), lrs);
            const totals = losses[loss.totalName]!;
            firstStepLoss ??= totals[0];
            chunk.forEach((rows, k) => {
              lossSum += totals[k]! * rows.length;
            });
            lr = lrs[lrs.length - 1]!;
          }
          const trainLoss = lossSum / trainRows.length;
          await session.pull(); // the epoch's parameters to the host: evaluation, the best checkpoint, the resume state
          evaluator.setParams(session.parameters());
          const valOut = await evaluator.run(prepared.val.inputs, o.val.records.length, prepared.val.labels, config.batchSize);
          const answers = decodeAnswers(valOut.answerLogits, prepared.vocab);
          const predictions = o.val.records.map((r, i) => ({ image: r.image, answer: answers[i]!, answerable: sigmoid(valOut.answerableLogits[i]!) }));
          const valAccuracy = evaluate(o.val.records, predictions, { metric: 'official' }).overall;
          const record = { epoch, trainLoss, valLoss: valOut.loss, valAccuracy, lr, seconds: (performance.now() - started) / 1000 };
          return { record, firstStepLoss };
        },
        async saveBest(record) {
          await saveBest(out, { epoch: record.epoch, valAccuracy: record.valAccuracy }, session.parameters(), shapeOf);
        },
        state: () => ({ params: session.parameters(), optimizer: session.optimizerState(), steps: session.stepsDone, shapeOf }),
        describe: (r, improved) =>
          `epoch ${r.epoch}/${config.epochs}: train loss ${r.trainLoss.toFixed(4)}, val loss ${r.valLoss.toFixed(4)}, ` +
          `val accuracy ${r.valAccuracy.toFixed(2)}${improved ? ' (best)' : ''}, ${r.seconds.toFixed(1)} s`,
        async dispose() {
          await session.dispose();
          await evaluator.dispose();
        },
      };
    },
    results: (history, best) => ({
      task: 'train',
      head: config.head,
      config,
      metric: 'official',
      best,
      history,
      data: { train: o.train.source, val: o.val.source, trainRows: o.train.records.length, valRows: o.val.records.length },
      provenance: provenance(),
    }),
  });
  return result;
}
