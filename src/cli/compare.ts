/**
 * `vizwiz compare [--data DIR] [--models baseline,clip-linear] [--out DIR] [--device ...] [--smoke] [--holdout F]
 * [--augment] [--answer-selection seed|deuser] [--on-corrupt stop|skip] [--endpoint URL --model NAME] [--quantize int8|int4]`:
 * the whole comparison with caching and resumption at every stage (see src/compare/run.ts); --endpoint adds the model
 * an OpenAI-compatible server serves as one more row; --quantize adds a column: the models that can run quantized,
 * scored that way (src/compare/quantized.ts).
 */
import { Command } from 'commander';
import { ANSWER_SELECTIONS, SELECTION_DESCRIPTIONS } from '../data/answer-selection.js';
import { parseDevice } from '../engine/device.js';
import type { OnCorrupt } from '../features/extract.js';
import { describeModes, HEAD_DEFAULTS, PALIGEMMA_DEFAULTS } from '../compare/registry.js';
import { COMPARE_ANSWER_SELECTION, COMPARE_MODELS, runCompare, type CompareModel } from '../compare/run.js';
import { PRESET_NAMES } from '../endpoint/prompts.js';
import type { EndpointSettings } from '../compare/endpoint.js';
import { VizWizError } from '../errors.js';
import { claimOutputFolder } from './output.js';
import { availableDevice, parseChoice, parseNumber, parseWhole, quantizeScheme, VERBOSE_OPTION } from './options.js';
import type { QuantSchemeName } from '../engine/block-quantize.js';

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
  endpoint?: string;
  model?: string;
  prompt?: string;
  concurrency?: string;
  apiKeyEnv?: string;
  quantize?: QuantSchemeName;
}

/** The server of the `endpoint` row, or undefined; its options without --endpoint are refused. */
function endpointSettings(o: CompareCliOptions, models: readonly CompareModel[], modelsGiven: boolean): EndpointSettings | undefined {
  if (o.endpoint === undefined) {
    for (const [flag, value] of [
      ['--model', o.model],
      ['--prompt', o.prompt],
      ['--concurrency', o.concurrency],
      ['--api-key-env', o.apiKeyEnv],
    ] as const) {
      if (value !== undefined) throw new VizWizError('USAGE', `${flag} applies with --endpoint only`);
    }
    if (modelsGiven && models.includes('endpoint')) throw new VizWizError('USAGE', '--models endpoint needs --endpoint URL and --model NAME');
    return undefined;
  }
  if (o.model === undefined) throw new VizWizError('USAGE', '--endpoint needs --model NAME, the model the server serves');
  if (!models.includes('endpoint')) throw new VizWizError('USAGE', '--endpoint adds the endpoint row: keep endpoint in --models');
  const apiKey = o.apiKeyEnv !== undefined ? process.env[o.apiKeyEnv] : undefined;
  if (o.apiKeyEnv !== undefined && !apiKey) throw new VizWizError('USAGE', `--api-key-env ${o.apiKeyEnv}: the environment variable ${o.apiKeyEnv} is not set`);
  return {
    url: o.endpoint,
    model: o.model,
    prompt: parseChoice(o.prompt ?? 'paligemma', '--prompt', PRESET_NAMES),
    ...(o.concurrency !== undefined ? { concurrency: parseWhole(o.concurrency, '--concurrency', 1, 1024) } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
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
    .option('--holdout <fraction>', "hold out this fraction of train as validation (the seed report's protocol)")
    .option('--augment', "also train on features of rotated training images (the seed report's augmentation ablation)")
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
    .option('--endpoint <url>', "one more row: the model of an OpenAI-compatible server (e.g. vLLM's http://localhost:8000/v1)")
    .option('--model <name>', '--endpoint: the model name the server serves')
    .option('--prompt <preset>', `--endpoint: prompt preset, ${PRESET_NAMES.join(', ')} (default paligemma)`)
    .option('--concurrency <n>', '--endpoint: requests in flight at once (default 4)')
    .option('--api-key-env <var>', '--endpoint: the environment variable holding the API key')
    .option(
      '--quantize <scheme>',
      'also score PaliGemma and the CLIP heads with block-quantized weights, int8 or int4: a column beside float32 (heads not retrained)',
      quantizeScheme,
    )
    .action(async (o: CompareCliOptions, command: Command) => {
      const models = o.models.split(',').map((m) => parseChoice(m.trim(), '--models', COMPARE_MODELS)) as CompareModel[];
      // the default --models lists every entry; the endpoint row is then simply left out without --endpoint
      const endpoint = endpointSettings(o, models, command.getOptionValueSource('models') !== 'default');
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
        ...(endpoint ? { endpoint } : {}),
        ...(o.quantize !== undefined ? { quantize: o.quantize } : {}),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${summary.table}\n\nresults: ${summary.out}/results.json\n`);
    });
}
