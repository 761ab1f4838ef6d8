/**
 * `vizwiz compare [--data DIR] [--models baseline,clip-linear] [--out DIR] [--device ...] [--smoke] [--holdout F]
 * [--augment] [--answer-selection seed|deuser] [--on-corrupt stop|skip]`: the whole comparison with caching and
 * resumption at every stage (see src/compare/run.ts).
 */
import { Command } from 'commander';
import { ANSWER_SELECTIONS, SELECTION_DESCRIPTIONS } from '../data/answer-selection.js';
import { parseDevice } from '../engine/device.js';
import type { OnCorrupt } from '../features/extract.js';
import { describeModes, HEAD_DEFAULTS, PALIGEMMA_DEFAULTS } from '../compare/registry.js';
import { COMPARE_ANSWER_SELECTION, COMPARE_MODELS, runCompare, type CompareModel } from '../compare/run.js';
import { claimOutputFolder } from './output.js';
import { availableDevice, parseChoice, parseNumber, parseWhole, VERBOSE_OPTION } from './options.js';

interface CompareCliOptions {
  data?: string;
  models: string;
  out: string;
  device: string;
  threads?: string;
  smoke?: boolean;
  holdout?: string;
  augment?: boolean;
  seed: string;
  epochs?: string;
  lr?: string;
  answerSelection: string;
  onCorrupt: string;
  n?: string;
  paligemmaEpochs?: string;
  clipModel?: string;
  resnetModel?: string;
  paligemmaModel?: string;
  offline?: boolean;
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('Reproduce the comparison end to end: data, features, training, fine-tuning, prediction, evaluation, report.')
    .option('--data <dir>', 'official VizWiz release folder (default: the embedded sample dataset with tiny models)')
    .option('--models <list>', `comma-separated: ${COMPARE_MODELS.join(', ')}`, COMPARE_MODELS.join(','))
    .option('--out <dir>', 'output folder (cached stages are reused; rerun to resume)', 'runs/compare')
    .option('--device <name>', 'cpu, cuda or webgpu', availableDevice, 'cpu')
    .option(...VERBOSE_OPTION)
    .option('--threads <n>', 'CPU threads (default: one per core)')
    .option('--smoke', 'clip every split to a few examples and train briefly (for CI)')
    .option('--holdout <fraction>', 'hold out this fraction of train as validation (the seed report\'s protocol)')
    .option('--augment', 'also train on features of rotated training images (the seed report\'s augmentation ablation)')
    .option('--seed <s>', 'seed of data, initialisation and shuffling', '0')
    .option('--epochs <n>', `head epochs (default: ${describeModes(HEAD_DEFAULTS, 'epochs')})`)
    .option('--lr <x>', `learning rate of both heads (the seed report's; default: ${describeModes(HEAD_DEFAULTS, 'lr')})`)
    .option(
      '--answer-selection <rule>',
      `training target among the ten answers, every model: ${ANSWER_SELECTIONS.map((s) => `${s} (${SELECTION_DESCRIPTIONS[s]})`).join('; or ')}`,
      COMPARE_ANSWER_SELECTION,
    )
    .option(
      '--on-corrupt <mode>',
      'missing or undecodable image: stop, or skip (zero features for the heads, a blank image for PaliGemma; listed in the log)',
      'stop',
    )
    .option('--paligemma-epochs <n>', `PaliGemma LoRA epochs (default: ${describeModes(PALIGEMMA_DEFAULTS, 'epochs')} or --paligemma-model)`)
    .option('--n <n>', 'questions of the embedded sample dataset (default 600; 120 with --smoke)')
    .option('--clip-model <source>', 'CLIP weights: folder or hf:org/repo (default hf:openai/clip-vit-large-patch14-336)')
    .option('--resnet-model <source>', 'ResNet-50 weights: folder or hf:org/repo (default hf:timm/resnet50.tv_in1k)')
    .option('--paligemma-model <source>', 'PaliGemma base: folder or hf:org/repo (default hf:google/paligemma-3b-pt-224)')
    .option('--offline', 'never use the network: models must be cached or local')
    .action(async (o: CompareCliOptions) => {
      const models = o.models.split(',').map((m) => parseChoice(m.trim(), '--models', COMPARE_MODELS)) as CompareModel[];
      await claimOutputFolder(o.out, 'compare');
      const summary = await runCompare({
        out: o.out,
        ...(o.data !== undefined ? { data: o.data } : {}),
        models,
        device: parseDevice(o.device),
        ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1) } : {}),
        smoke: o.smoke === true,
        ...(o.holdout !== undefined ? { holdout: parseNumber(o.holdout, '--holdout', { above: 0, max: 0.9 }) } : {}),
        augment: o.augment === true,
        seed: parseWhole(o.seed, '--seed', 0),
        ...(o.epochs !== undefined ? { epochs: parseWhole(o.epochs, '--epochs', 1) } : {}),
        ...(o.lr !== undefined ? { lr: parseNumber(o.lr, '--lr', { above: 0 }) } : {}),
        answerSelection: parseChoice(o.answerSelection, '--answer-selection', ANSWER_SELECTIONS),
        onCorrupt: parseChoice<OnCorrupt>(o.onCorrupt, '--on-corrupt', ['stop', 'skip']),
        ...(o.n !== undefined ? { sampleSize: parseWhole(o.n, '--n', 20) } : {}),
        ...(o.clipModel !== undefined ? { clipModel: o.clipModel } : {}),
        ...(o.resnetModel !== undefined ? { resnetModel: o.resnetModel } : {}),
        ...(o.paligemmaModel !== undefined ? { paligemmaModel: o.paligemmaModel } : {}),
        ...(o.paligemmaEpochs !== undefined ? { paligemmaEpochs: parseWhole(o.paligemmaEpochs, '--paligemma-epochs', 1) } : {}),
        ...(o.offline ? { offline: true } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${summary.table}\n\nresults: ${summary.out}/results.json\n`);
    });
}
