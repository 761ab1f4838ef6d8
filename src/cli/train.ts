/**
 * `vizwiz train --model baseline|clip-linear --train-annotations A --train-features F --val-annotations A2
 *  --val-features F2 --out DIR [options]`: trains a classifier head (see src/train/), resumable by rerunning.
 * Every input is validated before the first step: annotations, feature shapes, NaN values, row counts.
 */
import { Command } from 'commander';
import { ANSWER_SELECTIONS, SELECTION_DESCRIPTIONS } from '../data/answer-selection.js';
import { loadAnnotations } from '../data/annotations.js';
import { parseDevice } from '../engine/device.js';
import { readFeatures } from '../features/feature-file.js';
import { HEAD_NAMES, TRAIN_DEFAULTS, trainConfig } from '../train/config.js';
import { readsTextFeatures, TRAINABLE_HEADS } from '../train/head-registry.js';
import { SCHEDULES } from '../train/schedule.js';
import { trainHead } from '../train/trainer.js';
import { claimOutputFolder } from './output.js';
import { availableDevice, parseChoice, parseNumber, parseWhole, VERBOSE_OPTION } from './options.js';

interface TrainCliOptions {
  model: string;
  trainAnnotations: string;
  trainFeatures: string;
  valAnnotations: string;
  valFeatures: string;
  out: string;
  epochs: string;
  batchSize: string;
  optimizer: string;
  lr: string;
  weightDecay: string;
  schedule: string;
  warmup: string;
  seed: string;
  hidden?: string;
  dropout: string;
  activation: string;
  topK?: string;
  minCount: string;
  unknown: string;
  answerSelection: string;
  device: string;
  threads?: string;
}

const D = TRAIN_DEFAULTS;

export function trainCommand(): Command {
  return new Command('train')
    .description('Train a classifier head (baseline or clip-linear) on extracted features.')
    .requiredOption('--model <name>', `head: ${HEAD_NAMES.join(', ')}`)
    .requiredOption('--train-annotations <file>', 'training annotations (JSON)')
    .requiredOption('--train-features <file>', 'training features (safetensors from vizwiz extract)')
    .requiredOption('--val-annotations <file>', 'validation annotations (JSON)')
    .requiredOption('--val-features <file>', 'validation features')
    .requiredOption('--out <dir>', 'run folder (checkpoints, history.json, results.json); rerun to resume')
    .option('--epochs <n>', 'epochs (seed report: 100)', String(D.epochs))
    .option('--batch-size <n>', 'batch size (Deuser et al.: 32)', String(D.batchSize))
    .option('--optimizer <name>', 'adam or adamw', D.optimizer)
    .option('--lr <x>', 'peak learning rate (seed report: 0.005)', String(D.lr))
    .option('--weight-decay <x>', 'weight decay (L2 for adam, decoupled for adamw)', String(D.weightDecay))
    .option('--schedule <name>', `learning-rate schedule: ${SCHEDULES.join(', ')}`, D.schedule)
    .option('--warmup <x>', 'warmup updates, or a fraction of all updates when below 1', String(D.warmup))
    .option('--seed <s>', 'seed of initialisation, shuffling and dropout', String(D.seed))
    .option('--hidden <n>', `hidden size (default: ${HEAD_NAMES.map((h) => `${TRAINABLE_HEADS[h].defaultHidden} for ${h}`).join(', ')}; 0 = one linear layer)`)
    .option('--dropout <p>', 'dropout probability', String(D.dropout))
    .option('--activation <name>', 'none (as in the paper), relu or gelu', D.activation)
    .option('--top-k <n>', 'answer classes: the K most frequent targets', String(D.answers.topK))
    .option('--min-count <n>', 'answer classes: targets seen at least this often', '1')
    .option('--unknown <policy>', 'targets outside the vocabulary: skip (leave out) or unk-class', D.answers.unknown)
    .option(
      '--answer-selection <rule>',
      `training target among the ten answers: ${ANSWER_SELECTIONS.map((s) => `${s} (${SELECTION_DESCRIPTIONS[s]})`).join('; or ')}`,
      D.answerSelection,
    )
    .option('--device <name>', 'cpu, cuda or webgpu', availableDevice, D.device)
    .option(...VERBOSE_OPTION)
    .option('--threads <n>', 'intra-op threads (default: one per core)')
    .action(async (o: TrainCliOptions) => {
      const head = parseChoice(o.model, '--model', HEAD_NAMES);
      const config = trainConfig(head, {
        epochs: parseWhole(o.epochs, '--epochs', 1),
        batchSize: parseWhole(o.batchSize, '--batch-size', 1),
        optimizer: parseChoice(o.optimizer, '--optimizer', ['adam', 'adamw'] as const),
        lr: parseNumber(o.lr, '--lr', { above: 0 }),
        weightDecay: parseNumber(o.weightDecay, '--weight-decay', { min: 0 }),
        schedule: parseChoice(o.schedule, '--schedule', SCHEDULES),
        warmup: parseNumber(o.warmup, '--warmup', { min: 0 }),
        seed: parseWhole(o.seed, '--seed', 0),
        ...(o.hidden !== undefined ? { hidden: parseWhole(o.hidden, '--hidden', 0) } : {}),
        dropout: parseNumber(o.dropout, '--dropout', { min: 0, max: 0.99 }),
        activation: parseChoice(o.activation, '--activation', ['none', 'relu', 'gelu'] as const),
        answers: {
          ...(o.topK !== undefined ? { topK: parseWhole(o.topK, '--top-k', 1) } : {}),
          minCount: parseWhole(o.minCount, '--min-count', 1),
          unknown: parseChoice(o.unknown, '--unknown', ['skip', 'unk-class'] as const),
        },
        answerSelection: parseChoice(o.answerSelection, '--answer-selection', ANSWER_SELECTIONS),
        device: parseDevice(o.device),
        ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1) } : {}),
      });
      await claimOutputFolder(o.out, 'train');
      const trainRecords = await loadAnnotations(o.trainAnnotations);
      const valRecords = await loadAnnotations(o.valAnnotations);
      const requireText = readsTextFeatures(head);
      const trainFeatures = await readFeatures(o.trainFeatures, { requireText, images: trainRecords.map((r) => r.image) });
      const valFeatures = await readFeatures(o.valFeatures, { requireText, images: valRecords.map((r) => r.image) });
      const result = await trainHead({
        out: o.out,
        config,
        train: { records: trainRecords, features: trainFeatures, source: o.trainFeatures },
        val: { records: valRecords, features: valFeatures, source: o.valFeatures },
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const best = result.best ? `best epoch ${result.best.epoch}: val accuracy ${result.best.valAccuracy.toFixed(2)}` : 'no epoch';
      process.stdout.write(`${best} (official metric); run folder ${o.out}\n`);
    });
}
