/**
 * `vizwiz predict`: answers every question of an annotation file and writes the official submission format, with an
 * `answerable` confidence per entry.
 *   --model head (default):  --checkpoint DIR --annotations A --features F --out preds.json     a trained head
 *   --model paligemma:       --base SOURCE [--adapter DIR] --annotations A --images I --out preds.json
 *     PaliGemma zero-shot (any checkpoint: local folder or hf:org/repo[@revision]) or with a LoRA adapter in PEFT
 *     format; answers normalised, answerable = 1 - P("unanswerable") (src/finetune/predict.ts).
 */
import { Command } from 'commander';
import { loadQuestions } from '../data/annotations.js';
import { openImageSource } from '../data/image-source.js';
import { parseDevice } from '../engine/device.js';
import { VizWizError } from '../errors.js';
import { writeSubmission } from '../eval/submission.js';
import { readFeatures } from '../features/feature-file.js';
import { predictPaligemma } from '../finetune/predict.js';
import { resolveModelSource } from '../models/sources/resolve.js';
import { PROMPT_TEMPLATES } from '../models/paligemma/prompt.js';
import type { Prediction } from '../data/types.js';
import { readsTextFeatures } from '../train/head-registry.js';
import { predictHead, readHeadDescription } from '../train/predict.js';
import { claimOutputFile } from './output.js';
import { availableDevice, parseChoice, parseWhole, VERBOSE_OPTION } from './options.js';

interface PredictCliOptions {
  model: string;
  checkpoint?: string;
  features?: string;
  base?: string;
  adapter?: string;
  images?: string;
  annotations: string;
  out: string;
  which: string;
  batchSize?: string;
  maxNewTokens: string;
  prompt?: string;
  device: string;
  threads?: string;
  offline?: boolean;
}

const MODELS = ['head', 'paligemma'] as const;

/** The value of an option that `--model <model>` needs. */
function needed(value: string | undefined, flag: string, model: string): string {
  if (value === undefined) throw new VizWizError('USAGE', `${flag} is required with --model ${model}`);
  return value;
}

/** Options that belong to the other model are refused rather than ignored. */
function refuse(o: PredictCliOptions, flags: readonly (keyof PredictCliOptions)[], model: string): void {
  for (const key of flags) {
    if (o[key] !== undefined) throw new VizWizError('USAGE', `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply to --model ${model}`);
  }
}

async function predictWithHead(o: PredictCliOptions): Promise<Prediction[]> {
  refuse(o, ['base', 'adapter', 'images', 'prompt', 'offline'], 'head');
  const checkpoint = needed(o.checkpoint, '--checkpoint', 'head');
  const featuresFile = needed(o.features, '--features', 'head');
  const description = await readHeadDescription(checkpoint);
  const questions = await loadQuestions(o.annotations);
  const features = await readFeatures(featuresFile, {
    requireText: readsTextFeatures(description.head),
    images: questions.map((q) => q.image),
  });
  return predictHead({
    checkpoint,
    questions,
    features,
    source: featuresFile,
    which: parseChoice(o.which, '--which', ['best', 'last'] as const),
    batchSize: parseWhole(o.batchSize ?? '256', '--batch-size', 1),
    device: parseDevice(o.device),
    ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1) } : {}),
  });
}

async function predictWithPaligemma(o: PredictCliOptions): Promise<Prediction[]> {
  refuse(o, ['checkpoint', 'features'], 'paligemma');
  const source = needed(o.base, '--base', 'paligemma');
  const imagesPath = needed(o.images, '--images', 'paligemma');
  const batchSize = parseWhole(o.batchSize ?? '16', '--batch-size', 1);
  const maxNewTokens = parseWhole(o.maxNewTokens, '--max-new-tokens', 1);
  const device = parseDevice(o.device);
  const prompt = o.prompt !== undefined ? parseChoice(o.prompt, '--prompt', Object.keys(PROMPT_TEMPLATES)) : undefined;
  const questions = await loadQuestions(o.annotations);
  const resolved = await resolveModelSource(source, o.offline ? { offline: true } : {});
  const images = await openImageSource(imagesPath);
  try {
    return await predictPaligemma({
      base: { dir: resolved.dir, source: resolved.source },
      ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
      questions,
      images,
      batchSize,
      maxNewTokens,
      ...(prompt !== undefined ? { prompt } : {}),
      device,
      ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1) } : {}),
    });
  } finally {
    await images.close();
  }
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('Answer every question of an annotation file with a trained head or PaliGemma (official submission format).')
    .option('--model <name>', `head (a vizwiz train run) or paligemma`, 'head')
    .requiredOption('--annotations <file>', 'annotation JSON (test files without answers are fine)')
    .requiredOption('--out <file>', 'predictions JSON to write')
    .option('--checkpoint <dir>', 'head: the --out folder of a vizwiz train run')
    .option('--features <file>', 'head: features of the same entries, in the same order')
    .option('--which <epoch>', 'head: best or last epoch', 'best')
    .option('--base <source>', 'paligemma: checkpoint folder or hf:org/repo[@revision]')
    .option('--adapter <dir>', 'paligemma: LoRA adapter folder in PEFT format (e.g. the best/ of a vizwiz finetune run)')
    .option('--images <path>', 'paligemma: image folder or zip')
    .option('--max-new-tokens <n>', 'paligemma: longest answer in tokens', '8')
    .option('--prompt <id>', `paligemma: prompt template (default: the adapter's, else answer-en-v1): ${Object.keys(PROMPT_TEMPLATES).join(', ')}`)
    .option('--offline', 'paligemma: never use the network (the base must be local or cached)')
    .option('--batch-size <n>', 'inference batch size (head: 256, paligemma: 16)')
    .option('--device <name>', 'cpu, cuda or webgpu', availableDevice, 'cpu')
    .option(...VERBOSE_OPTION)
    .option('--threads <n>', 'intra-op threads (default: one per core)')
    .action(async (o: PredictCliOptions) => {
      const model = parseChoice(o.model, '--model', MODELS);
      await claimOutputFile(o.out, 'predict', { lock: false });
      const predictions = model === 'head' ? await predictWithHead(o) : await predictWithPaligemma(o);
      await writeSubmission(o.out, predictions);
      process.stderr.write(`predict: ${predictions.length} answers -> ${o.out}\n`);
    });
}
