/**
 * `vizwiz finetune --model paligemma --base SOURCE --train-annotations A --train-images I --val-annotations A2
 *  --val-images I2 --out DIR [options]`: LoRA fine-tuning of PaliGemma (src/finetune/), resumable by rerunning the same
 * command. SOURCE is a local checkpoint folder or hf:org/repo[@revision] (downloaded once into the cache; --offline
 * never touches the network). Prints the best epoch's accuracy; the adapter is in DIR/best/ (PEFT format).
 * `--dtype f16` trains in mixed precision with dynamic loss scaling (GPU devices only; decision 011).
 */
import { Command } from 'commander';
import { ANSWER_SELECTIONS, SELECTION_DESCRIPTIONS } from '../data/answer-selection.js';
import { loadAnnotations } from '../data/annotations.js';
import { openImageSource } from '../data/image-source.js';
import { parseDevice } from '../engine/device.js';
import { FINETUNE_DEFAULTS, finetuneConfig, TARGET_MODES } from '../finetune/config.js';
import { finetunePaligemma } from '../finetune/finetune.js';
import { resolveModelSource } from '../models/sources/resolve.js';
import { PROMPT_TEMPLATES } from '../models/paligemma/prompt.js';
import { SCHEDULES } from '../train/schedule.js';
import { claimOutputFolder } from './output.js';
import { availableDevice, computeDtype, DTYPE_OPTION, parseChoice, parseNumber, parseWhole, VERBOSE_OPTION } from './options.js';

interface FinetuneCliOptions {
  model: string;
  base: string;
  trainAnnotations: string;
  trainImages: string;
  valAnnotations: string;
  valImages: string;
  out: string;
  loraR: string;
  loraAlpha: string;
  loraDropout: string;
  loraTargets: string;
  lr: string;
  epochs: string;
  batchSize: string;
  gradAccum: string;
  clip: string;
  warmup: string;
  schedule: string;
  weightDecay: string;
  target: string;
  answerSelection: string;
  prompt: string;
  seed: string;
  maxNewTokens: string;
  evalBatchSize: string;
  zeroShot: boolean;
  device: string;
  dtype: string;
  threads?: string;
  offline?: boolean;
}

const D = FINETUNE_DEFAULTS;

/** A comma-separated list of module names, or one regex when it starts with 're:'. */
function parseTargets(raw: string): string[] | string {
  if (raw.startsWith('re:')) return raw.slice(3);
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function finetuneCommand(): Command {
  return new Command('finetune')
    .description('Fine-tune PaliGemma with LoRA on VizWiz (validation every epoch, best adapter in PEFT format); rerun to resume.')
    .requiredOption('--model <name>', 'model to fine-tune: paligemma')
    .requiredOption('--base <source>', 'base checkpoint: a local folder or hf:org/repo[@revision], e.g. hf:google/paligemma-3b-pt-224')
    .requiredOption('--train-annotations <file>', 'training annotations (JSON)')
    .requiredOption('--train-images <path>', 'training images: folder or zip')
    .requiredOption('--val-annotations <file>', 'validation annotations (JSON)')
    .requiredOption('--val-images <path>', 'validation images: folder or zip')
    .requiredOption('--out <dir>', 'run folder (best/, checkpoints, history.json, results.json); rerun to resume')
    .option('--lora-r <n>', 'LoRA rank', String(D.lora.r))
    .option('--lora-alpha <x>', 'LoRA alpha (scaling alpha / r)', String(D.lora.alpha))
    .option('--lora-dropout <p>', 'LoRA dropout', String(D.lora.dropout))
    .option(
      '--lora-targets <list>',
      'adapted modules: comma-separated name suffixes, or re:REGEX over module paths',
      (D.lora.targetModules as string[]).join(','),
    )
    .option('--lr <x>', 'peak learning rate (seed report: 1e-4)', String(D.lr))
    .option('--epochs <n>', 'epochs (seed report: 10)', String(D.epochs))
    .option('--batch-size <n>', 'examples per micro-batch', String(D.batchSize))
    .option('--grad-accum <n>', 'micro-batches per optimizer update (same result as one batch of batch-size x grad-accum)', String(D.gradAccum))
    .option('--clip <x>', 'largest global gradient norm, 0 = off', String(D.clip))
    .option('--warmup <x>', 'warmup updates, or a fraction of all updates when below 1', String(D.warmup))
    .option('--schedule <name>', `learning-rate schedule: ${SCHEDULES.join(', ')}`, D.schedule)
    .option('--weight-decay <x>', 'AdamW decoupled weight decay', String(D.weightDecay))
    .option('--target <mode>', `training answer: ${TARGET_MODES.join(' or ')}`, D.target)
    .option(
      '--answer-selection <rule>',
      `ties among the most common answers (--target most-common): ${ANSWER_SELECTIONS.map((s) => `${s} (${SELECTION_DESCRIPTIONS[s]})`).join('; or ')}`,
      D.answerSelection,
    )
    .option('--prompt <id>', `prompt template: ${Object.keys(PROMPT_TEMPLATES).join(', ')}`, D.prompt)
    .option('--seed <s>', 'seed of adapter init, shuffling, targets and dropout', String(D.seed))
    .option('--max-new-tokens <n>', 'longest validation answer in tokens', String(D.maxNewTokens))
    .option('--eval-batch-size <n>', 'validation batch size', String(D.evalBatchSize))
    .option('--no-zero-shot', 'skip validating the base model before training')
    .option('--device <name>', 'cpu, cuda or webgpu', availableDevice, D.device)
    .option(DTYPE_OPTION[0], `${DTYPE_OPTION[1]}; f16 = mixed precision: float32 adapters, AdamW and loss, dynamic loss scaling`, DTYPE_OPTION[2])
    .option(...VERBOSE_OPTION)
    .option('--threads <n>', 'intra-op threads (default: one per core)')
    .option('--offline', 'never use the network: the base must be local or cached (also VIZWIZ_OFFLINE=1)')
    .action(async (o: FinetuneCliOptions) => {
      parseChoice(o.model, '--model', ['paligemma'] as const);
      const device = parseDevice(o.device);
      const dtype = computeDtype(o.dtype, device, undefined);
      const config = finetuneConfig({
        lora: {
          r: parseWhole(o.loraR, '--lora-r', 1),
          alpha: parseNumber(o.loraAlpha, '--lora-alpha', { above: 0 }),
          dropout: parseNumber(o.loraDropout, '--lora-dropout', { min: 0, max: 0.99 }),
          targetModules: parseTargets(o.loraTargets),
        },
        lr: parseNumber(o.lr, '--lr', { above: 0 }),
        epochs: parseWhole(o.epochs, '--epochs', 1),
        batchSize: parseWhole(o.batchSize, '--batch-size', 1),
        gradAccum: parseWhole(o.gradAccum, '--grad-accum', 1),
        clip: parseNumber(o.clip, '--clip', { min: 0 }),
        warmup: parseNumber(o.warmup, '--warmup', { min: 0 }),
        schedule: parseChoice(o.schedule, '--schedule', SCHEDULES),
        weightDecay: parseNumber(o.weightDecay, '--weight-decay', { min: 0 }),
        target: parseChoice(o.target, '--target', TARGET_MODES),
        answerSelection: parseChoice(o.answerSelection, '--answer-selection', ANSWER_SELECTIONS),
        prompt: parseChoice(o.prompt, '--prompt', Object.keys(PROMPT_TEMPLATES)),
        seed: parseWhole(o.seed, '--seed', 0),
        maxNewTokens: parseWhole(o.maxNewTokens, '--max-new-tokens', 1),
        evalBatchSize: parseWhole(o.evalBatchSize, '--eval-batch-size', 1),
        zeroShot: o.zeroShot,
        device,
        ...(dtype !== 'float32' ? { dtype } : {}),
        ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1) } : {}),
      });
      await claimOutputFolder(o.out, 'finetune');
      const resolved = await resolveModelSource(o.base, o.offline ? { offline: true } : {});
      const trainImages = await openImageSource(o.trainImages);
      const valImages = await openImageSource(o.valImages);
      try {
        const result = await finetunePaligemma({
          out: o.out,
          base: { dir: resolved.dir, source: resolved.source },
          train: { records: await loadAnnotations(o.trainAnnotations), images: trainImages, source: o.trainAnnotations },
          val: { records: await loadAnnotations(o.valAnnotations), images: valImages, source: o.valAnnotations },
          config,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        const best = result.best ? `best epoch ${result.best.epoch}: val accuracy ${result.best.valAccuracy.toFixed(2)}` : 'no epoch';
        process.stdout.write(`${best} (official metric); adapter in ${o.out}/best\n`);
      } finally {
        await trainImages.close();
        await valImages.close();
      }
    });
}
