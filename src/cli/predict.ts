/**
 * `vizwiz predict`: answers every question of an annotation file and writes the official submission format.
 *   --model head (default):  --checkpoint DIR --annotations A --features F --out preds.json     a trained head
 *   --model paligemma:       --base SOURCE [--adapter DIR] --annotations A --images I --out preds.json
 *     PaliGemma zero-shot (any checkpoint: local folder or hf:org/repo[@revision]) or with a LoRA adapter in PEFT
 *     format; answers normalised, answerable = 1 - P("unanswerable") (src/finetune/predict.ts). `--dtype f16`
 *     computes in half precision (GPU devices only, not with --quantize; docs/decisions/011-half-precision.md).
 *   --endpoint URL --model NAME [--prompt paligemma|lmms-eval|raw] --annotations A --images I --out preds.json
 *     any OpenAI-compatible server (src/endpoint/): answers normalised alike, cached in <out>.responses.jsonl (rerun
 *     to resume), the run described in <out stem>.results.json.
 * `--shard i/n` (or auto/n) answers one shard's questions into a shard file for `vizwiz merge` (src/shards/).
 */
import { Command } from 'commander';
import { loadAnnotations, loadQuestions } from '../data/annotations.js';
import { openImageSource } from '../data/image-source.js';
import { parseDevice } from '../engine/device.js';
import { VizWizError } from '../errors.js';
import { writeSubmission } from '../eval/submission.js';
import { evaluate } from '../eval/evaluate.js';
import { summarize } from '../eval/format.js';
import { readFeatures } from '../features/feature-file.js';
import { paligemmaFingerprint, predictPaligemma } from '../finetune/predict.js';
import { completionsUrl } from '../endpoint/client.js';
import { endpointFingerprint, predictEndpoint } from '../endpoint/predict.js';
import { PRESET_NAMES } from '../endpoint/prompts.js';
import { resultsPathFor, writeEndpointResults } from '../endpoint/results.js';
import { resolveModelSource } from '../models/sources/resolve.js';
import { PROMPT_TEMPLATES } from '../models/paligemma/prompt.js';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import { provenance } from '../provenance.js';
import { fileFingerprint, jsonFingerprint, questionsFingerprint } from '../shards/fingerprint.js';
import { predictionShardManifest, writePredictionShard } from '../shards/predictions.js';
import { parseShard, shardLabel, type ShardSpec } from '../shards/spec.js';
import { readsTextFeatures } from '../train/head-registry.js';
import { headFingerprint, predictHead, readHeadDescription } from '../train/predict.js';
import { claimOutputFile } from './output.js';
import { availableDevice, checkQuantizeDevice, computeDtype, DTYPE_OPTION, parseChoice, parseWhole, QUANTIZE_OPTION, VERBOSE_OPTION } from './options.js';
import type { QuantSchemeName } from '../engine/block-quantize.js';

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
  shard?: string;
  endpoint?: string;
  concurrency?: string;
  apiKeyEnv?: string;
  cache?: string;
  timeout?: string;
  retries?: string;
  quantize?: QuantSchemeName;
  quantizeCache?: string;
  dtype: string;
}

const MODELS = ['head', 'paligemma'] as const;

/** What a model answered, and (for a shard's manifest) the fingerprints of its inputs and of the model. */
interface Answered {
  /** Every question of the annotation file (a shard's manifest names them). */
  questions: VizWizQuestion[];
  predictions: Prediction[];
  identity(): Promise<{ source: string; model: string }>;
  /** Work after the predictions are written (the endpoint's results file). */
  finish?(out: string): Promise<void>;
}

interface Job {
  o: PredictCliOptions;
  shard: ShardSpec | undefined;
}

/** The value of an option that `--model <model>` needs. */
function needed(value: string | undefined, flag: string, model: string): string {
  if (value === undefined) throw new VizWizError('USAGE', `${flag} is required with ${model.startsWith('--') ? model : `--model ${model}`}`);
  return value;
}

/** Options that belong to another kind of model are refused rather than ignored. */
function refuse(o: PredictCliOptions, flags: readonly (keyof PredictCliOptions)[], model: string): void {
  for (const key of flags) {
    if (o[key] !== undefined) {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new VizWizError('USAGE', `${flag} does not apply to ${model.startsWith('--') ? model : `--model ${model}`}`);
    }
  }
}

const ENDPOINT_ONLY = ['concurrency', 'apiKeyEnv', 'cache', 'timeout', 'retries'] as const;

/** --dtype (default f32) applies to PaliGemma only. */
function refuseDtype(o: PredictCliOptions, model: string): void {
  if (o.dtype !== 'f32') throw new VizWizError('USAGE', `--dtype ${o.dtype} does not apply to ${model}`);
}

async function predictWithHead({ o, shard }: Job): Promise<Answered> {
  refuse(o, ['base', 'adapter', 'images', 'prompt', 'offline', 'quantize', 'quantizeCache', ...ENDPOINT_ONLY], 'head');
  refuseDtype(o, '--model head');
  const checkpoint = needed(o.checkpoint, '--checkpoint', 'head');
  const featuresFile = needed(o.features, '--features', 'head');
  const description = await readHeadDescription(checkpoint);
  const which = parseChoice(o.which, '--which', ['best', 'last'] as const);
  const questions = await loadQuestions(o.annotations);
  const features = await readFeatures(featuresFile, {
    requireText: readsTextFeatures(description.head),
    images: questions.map((q) => q.image),
  });
  const predictions = await predictHead({
    checkpoint,
    questions,
    features,
    source: featuresFile,
    which,
    batchSize: parseWhole(o.batchSize ?? '256', '--batch-size', 1),
    device: parseDevice(o.device),
    ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1) } : {}),
    ...(shard ? { shard } : {}),
  });
  return {
    questions,
    predictions,
    identity: async () => ({
      source: jsonFingerprint({ questions: questionsFingerprint(questions), features: features.metadata.fingerprint ?? (await fileFingerprint(featuresFile)) }),
      model: await headFingerprint(checkpoint, which),
    }),
  };
}

async function predictWithPaligemma({ o, shard }: Job): Promise<Answered> {
  refuse(o, ['checkpoint', 'features', ...ENDPOINT_ONLY], 'paligemma');
  const source = needed(o.base, '--base', 'paligemma');
  const imagesPath = needed(o.images, '--images', 'paligemma');
  const batchSize = parseWhole(o.batchSize ?? '16', '--batch-size', 1);
  const maxNewTokens = parseWhole(o.maxNewTokens, '--max-new-tokens', 1);
  const device = parseDevice(o.device);
  const dtype = computeDtype(o.dtype, device, o.quantize);
  checkQuantizeDevice(o.quantize, device);
  const prompt = o.prompt !== undefined ? parseChoice(o.prompt, '--prompt', Object.keys(PROMPT_TEMPLATES)) : undefined;
  const questions = await loadQuestions(o.annotations);
  const resolved = await resolveModelSource(source, o.offline ? { offline: true } : {});
  const images = await openImageSource(imagesPath);
  try {
    const predictions = await predictPaligemma({
      base: { dir: resolved.dir, source: resolved.source },
      ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
      questions,
      images,
      batchSize,
      maxNewTokens,
      ...(prompt !== undefined ? { prompt } : {}),
      device,
      ...(o.threads !== undefined ? { threads: parseWhole(o.threads, '--threads', 1) } : {}),
      ...(shard ? { shard } : {}),
      ...(o.quantize !== undefined ? { quantize: o.quantize, log: (line: string) => process.stderr.write(`predict: ${line}\n`) } : {}),
      ...(o.quantizeCache !== undefined ? { quantizedCacheDir: o.quantizeCache } : {}),
      ...(dtype !== 'float32' ? { dtype } : {}),
    });
    return {
      questions,
      predictions,
      identity: async () => ({
        source: jsonFingerprint({ questions: questionsFingerprint(questions) }),
        model: await paligemmaFingerprint({
          base: { dir: resolved.dir, source: resolved.source, weights: resolved.weights, ...(resolved.commit ? { commit: resolved.commit } : {}) },
          ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
          ...(prompt !== undefined ? { prompt } : {}),
          maxNewTokens,
          ...(o.quantize !== undefined ? { quantize: o.quantize } : {}),
          ...(dtype !== 'float32' ? { dtype } : {}),
        }),
      }),
    };
  } finally {
    await images.close();
  }
}

function apiKeyFrom(variable: string | undefined): string | undefined {
  if (variable === undefined) return undefined;
  const key = process.env[variable];
  if (!key) throw new VizWizError('USAGE', `--api-key-env ${variable}: the environment variable ${variable} is not set`);
  return key;
}

async function predictWithEndpoint({ o, shard }: Job): Promise<Answered> {
  refuse(o, ['checkpoint', 'features', 'base', 'adapter', 'offline', 'batchSize', 'threads', 'quantize', 'quantizeCache'], '--endpoint');
  refuseDtype(o, '--endpoint');
  const endpoint = o.endpoint!;
  completionsUrl(endpoint); // a bad URL is a usage error before anything is read
  const imagesPath = needed(o.images, '--images', '--endpoint');
  const prompt = parseChoice(o.prompt ?? 'paligemma', '--prompt', PRESET_NAMES);
  const maxTokens = parseWhole(o.maxNewTokens, '--max-new-tokens', 1);
  const concurrency = parseWhole(o.concurrency ?? '4', '--concurrency', 1, 1024);
  const timeoutS = parseWhole(o.timeout ?? '120', '--timeout', 1);
  const retries = parseWhole(o.retries ?? '8', '--retries', 0, 100);
  const apiKey = apiKeyFrom(o.apiKeyEnv);
  const cacheFile = o.cache ?? `${o.out}.responses.jsonl`;
  const questions = await loadQuestions(o.annotations);
  const images = await openImageSource(imagesPath);
  try {
    const result = await predictEndpoint({
      endpoint,
      model: o.model,
      prompt,
      questions,
      images,
      cacheFile,
      concurrency,
      maxTokens,
      retry: { timeoutMs: timeoutS * 1000, retries },
      ...(apiKey ? { apiKey } : {}),
      ...(shard ? { shard } : {}),
    });
    process.stderr.write(`predict: ${result.asked} asked, ${result.cached} from the cache${result.retries > 0 ? `, ${result.retries} retries` : ''}\n`);
    return {
      questions,
      predictions: result.predictions,
      identity: async () => ({
        source: jsonFingerprint({ questions: questionsFingerprint(questions) }),
        model: endpointFingerprint(o.model, result.preset, maxTokens),
      }),
      finish: async (out) => {
        // scored when the annotations carry answers (train, val) and every question was answered (not a shard)
        const records = shard ? undefined : await loadAnnotations(o.annotations).catch(() => undefined);
        const evaluation = records ? summarize(evaluate(records, result.predictions, { metric: 'official' })) : undefined;
        const file = resultsPathFor(out);
        await writeEndpointResults(file, {
          endpoint,
          model: o.model,
          maxTokens,
          concurrency,
          cacheFile,
          ...(shard ? { shard: shardLabel(shard) } : {}),
          result,
          ...(evaluation ? { evaluation } : {}),
          provenance: provenance(),
        });
        if (evaluation) process.stderr.write(`predict: official accuracy ${evaluation.overall.toFixed(2)} on ${records!.length} questions; ${file}\n`);
      },
    };
  } finally {
    await images.close();
  }
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('Answer every question of an annotation file with a trained head, PaliGemma or an OpenAI-compatible server (official submission format).')
    .option('--model <name>', `head (a vizwiz train run) or paligemma; with --endpoint, the model name the server serves`, 'head')
    .requiredOption('--annotations <file>', 'annotation JSON (test files without answers are fine)')
    .requiredOption('--out <file>', 'predictions JSON to write (with --shard: the shard file for vizwiz merge)')
    .option('--checkpoint <dir>', 'head: the --out folder of a vizwiz train run')
    .option('--features <file>', 'head: features of the same entries, in the same order')
    .option('--which <epoch>', 'head: best or last epoch', 'best')
    .option('--base <source>', 'paligemma: checkpoint folder or hf:org/repo[@revision]')
    .option('--adapter <dir>', 'paligemma: LoRA adapter folder in PEFT format (e.g. the best/ of a vizwiz finetune run)')
    .option('--images <path>', 'paligemma and --endpoint: image folder or zip')
    .option('--max-new-tokens <n>', 'paligemma and --endpoint: longest answer in tokens', '8')
    .option(
      '--prompt <id>',
      `paligemma: prompt template (default: the adapter's, else answer-en-v1): ${Object.keys(PROMPT_TEMPLATES).join(', ')}; ` +
        `--endpoint: prompt preset (default paligemma): ${PRESET_NAMES.join(', ')}`,
    )
    .option('--offline', 'paligemma: never use the network (the base must be local or cached)')
    .option('--batch-size <n>', 'inference batch size (head: 256, paligemma: 16)')
    .option('--device <name>', 'cpu, cuda or webgpu', availableDevice, 'cpu')
    .option(...QUANTIZE_OPTION)
    .option(...DTYPE_OPTION)
    .option('--quantize-cache <dir>', 'paligemma: folder of the quantized weights (default <base>/.vizwiz-quantized)')
    .option(...VERBOSE_OPTION)
    .option('--threads <n>', 'intra-op threads (default: one per core)')
    .option('--endpoint <url>', "an OpenAI-compatible server's base URL (e.g. http://localhost:8000/v1 for vLLM); --model names its model")
    .option('--concurrency <n>', '--endpoint: requests in flight at once (default 4)')
    .option('--api-key-env <var>', '--endpoint: the environment variable holding the API key (sent as a Bearer token)')
    .option('--cache <file>', '--endpoint: the response cache, appended as answers arrive (default <out>.responses.jsonl)')
    .option('--timeout <s>', '--endpoint: longest wait for one response, in seconds (default 120)')
    .option('--retries <n>', '--endpoint: retries of a request after 429, 5xx, a time-out or a dropped connection (default 8)')
    .option(
      '--shard <i/n>',
      'answer only shard i of n (0-based), or auto/n from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID; join the shards with vizwiz merge',
    )
    .action(async (o: PredictCliOptions, command: Command) => {
      const shard = o.shard !== undefined ? parseShard(o.shard) : undefined;
      let run: (job: Job) => Promise<Answered>;
      if (o.endpoint !== undefined) {
        if (command.getOptionValueSource('model') === 'default') throw new VizWizError('USAGE', '--endpoint needs --model NAME, the model the server serves');
        run = predictWithEndpoint;
      } else {
        refuse(o, ENDPOINT_ONLY, parseChoice(o.model, '--model', MODELS));
        run = o.model === 'head' ? predictWithHead : predictWithPaligemma;
      }
      await claimOutputFile(o.out, 'predict', { lock: o.endpoint !== undefined });
      const answered = await run({ o, shard });
      const { questions } = answered;
      if (shard) {
        const { source, model } = await answered.identity();
        await writePredictionShard(o.out, predictionShardManifest(shard, questions, source, model), answered.predictions);
        process.stderr.write(`predict: shard ${shardLabel(shard)}: ${answered.predictions.length} of ${questions.length} answers -> ${o.out}\n`);
      } else {
        await writeSubmission(o.out, answered.predictions);
        process.stderr.write(`predict: ${answered.predictions.length} answers -> ${o.out}\n`);
      }
      await answered.finish?.(o.out);
    });
}
