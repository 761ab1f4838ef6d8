/**
 * `vizwiz compare`: the seed report's comparison end to end - data, features, training of both heads, LoRA
 * fine-tuning of PaliGemma, prediction, the official evaluation and the report. The models are the entries of the
 * registry (registry.ts), each fitted by the trainer its entry names. Every stage caches its output in OUT under a
 * key of its inputs (stage-key.ts): a rerun reuses what is up to date, resumes what was interrupted and computes
 * again what its inputs changed - so the report always shows the numbers of the settings it names.
 */
import { join } from 'node:path';
import type { AnswerSelection } from '../data/answer-selection.js';
import type { QuantSchemeName } from '../engine/block-quantize.js';
import type { Device } from '../engine/device.js';
import type { OnCorrupt } from '../features/extract.js';
import { provenance } from '../provenance.js';
import { loadCompareData, type CompareData } from './data.js';
import { modelSource, type ModelSourceOptions } from './encoders.js';
import { quantizableEncoder } from '../features/registry.js';
import { encoderFeatures, quantizedValFeatures, type EncoderFeatures, type FeatureFiles, type FeatureStageOptions } from './features.js';
import { quantizedHead } from './quantized.js';
import { runQualityHeads } from './quality.js';
import { FileHashes } from './file-hashes.js';
import { runHead, type ModelRun } from './heads.js';
import { runEndpoint, type EndpointSettings } from './endpoint.js';
import { PALIGEMMA_DEFAULT_SOURCE, runPaligemma } from './paligemma.js';
import { runQuestionPrior } from './prior.js';
import {
  COMPARE_MODELS,
  COMPARISON,
  entryDefaults,
  type CompareEntry,
  type CompareModel,
  type DataMode,
  type EndpointEntry,
  type HeadEntry,
  type LoraEntry,
  type PriorEntry,
} from './registry.js';
import { writeComparison, type ComparisonSummary } from './summary.js';

export { COMPARE_MODELS, type CompareModel } from './registry.js';

export interface CompareOptions extends ModelSourceOptions {
  /** Output folder (default runs/compare). */
  out: string;
  /** Official release folder; default: the embedded sample dataset with tiny models. */
  data?: string;
  models: readonly CompareModel[];
  device: Device;
  threads?: number;
  smoke: boolean;
  /** Hold out this fraction of train as validation (the seed report's protocol). */
  holdout?: number;
  /** Also train clip-linear on features of rotated images (the seed's augmentation ablation). */
  augment: boolean;
  seed: number;
  /** How each training target is chosen among the ten answers (default: the seed report's rule). */
  answerSelection?: AnswerSelection;
  /** Head epochs (default: the registry's per data mode). */
  epochs?: number;
  /** Head learning rate (default: the registry's, the seed report's 0.005). */
  lr?: number;
  /** Questions of the embedded sample dataset (default 600; smoke 120). */
  sampleSize?: number;
  /** PaliGemma fine-tuning epochs (default: the registry's per data mode). */
  paligemmaEpochs?: number;
  /** Unusable images: stop with an error naming them, or skip them (zero features, a blank image for PaliGemma). */
  onCorrupt?: OnCorrupt;
  offline?: boolean;
  /** An OpenAI-compatible server whose model is one more row (the `endpoint` entry); without it that row is left out. */
  endpoint?: EndpointSettings;
  /**
   * Also score every model whose weights can be block-quantized (PaliGemma, the heads on CLIP features) with them
   * quantized to this scheme, beside the float32 numbers (src/compare/quantized.ts).
   */
  quantize?: QuantSchemeName;
  log: (line: string) => void;
}

/** Questions of the embedded sample: a time budget (the embedded comparison in about a minute on 2 cores). */
const SAMPLE_SIZE = { embedded: 600, smoke: 120 } as const;

/** The seed report's rule: compare reproduces the seed report. */
export const COMPARE_ANSWER_SELECTION: AnswerSelection = 'seed';

/** What every trainer gets besides its entry. */
interface StageContext {
  o: CompareOptions;
  data: CompareData;
  hashes: FileHashes;
  answerSelection: AnswerSelection;
  /** Features per encoder, extracted once for every head that reads them. */
  features: Map<string, Promise<EncoderFeatures>>;
  /** Validation features per encoder with its vision tower quantized (--quantize), likewise once. */
  quantizedFeatures: Map<string, Promise<FeatureFiles>>;
}

type Trainer<E extends CompareEntry> = (id: CompareModel, entry: E, ctx: StageContext) => Promise<ModelRun[]>;

function execution(o: CompareOptions): { device: Device; threads?: number } {
  return { device: o.device, ...(o.threads ? { threads: o.threads } : {}) };
}

const fitPrior: Trainer<PriorEntry> = async (id, entry, { o, data, answerSelection }) => [
  await runQuestionPrior(data, { id, label: entry.label, description: entry.description, out: o.out, answerSelection, log: o.log }),
];

function featureStage(ctx: StageContext): FeatureStageOptions {
  const { o } = ctx;
  return {
    out: o.out,
    ...execution(o),
    seed: o.seed,
    onCorrupt: o.onCorrupt ?? 'stop',
    hashes: ctx.hashes,
    log: o.log,
    ...(o.offline ? { offline: true } : {}),
  };
}

function featuresFor(entry: HeadEntry, ctx: StageContext): Promise<EncoderFeatures> {
  const { o } = ctx;
  let pending = ctx.features.get(entry.encoder);
  if (!pending) {
    pending = (async () => {
      const source = await modelSource(entry.encoder, { ...o, realData: o.data !== undefined });
      return encoderFeatures(entry.encoder, source, ctx.data, o.augment && entry.rotatedVariant !== undefined, featureStage(ctx));
    })();
    ctx.features.set(entry.encoder, pending);
  }
  return pending;
}

function quantizedFeaturesFor(entry: HeadEntry, scheme: QuantSchemeName, ctx: StageContext): Promise<FeatureFiles> {
  const { o } = ctx;
  let pending = ctx.quantizedFeatures.get(entry.encoder);
  if (!pending) {
    pending = (async () => {
      const source = await modelSource(entry.encoder, { ...o, realData: o.data !== undefined });
      return quantizedValFeatures(entry.encoder, source, ctx.data, scheme, featureStage(ctx));
    })();
    ctx.quantizedFeatures.set(entry.encoder, pending);
  }
  return pending;
}

const trainHeadEntry: Trainer<HeadEntry> = async (id, entry, ctx) => {
  const { o, data } = ctx;
  const mode: DataMode = o.data !== undefined ? 'real' : 'embedded';
  const defaults = entryDefaults(entry.defaults, mode, o.smoke);
  const config = {
    ...defaults,
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.lr !== undefined ? { lr: o.lr } : {}),
    seed: o.seed,
    answerSelection: ctx.answerSelection,
    ...execution(o),
  };
  const f = await featuresFor(entry, ctx);
  const common = { out: o.out, log: o.log, head: entry.head, config, val: { records: data.val.records, identity: data.val.identity.records, features: f.val } };
  const train = { records: data.train.records, identity: data.train.identity.records };
  const runs = [await runHead({ ...common, id, label: entry.label, description: entry.description, train: { ...train, features: f.train } })];
  if (entry.rotatedVariant && f.trainAugmented) {
    const v = entry.rotatedVariant;
    const description = `${entry.description}; ${v.description}`;
    runs.push(await runHead({ ...common, id: v.id, label: v.label, description, train: { ...train, features: f.trainAugmented } }));
  }
  if (o.quantize !== undefined && quantizableEncoder(entry.encoder)) {
    // the float-trained heads answer from features of the quantized encoder (not retrained: decision 010)
    const features = await quantizedFeaturesFor(entry, o.quantize, ctx);
    const val = { records: data.val.records, identity: data.val.identity.records, features };
    for (const run of runs) {
      const stage = { id: run.id, scheme: o.quantize, out: o.out, floatKey: run.run.key, ...execution(o), log: o.log };
      run.quantized = await quantizedHead(stage, run.run.folder, val);
    }
  }
  return runs;
};

const fineTune: Trainer<LoraEntry> = async (id, entry, { o, data, hashes, answerSelection }) => {
  const given = await modelSource(entry.family, { ...o, realData: o.data !== undefined });
  // the real checkpoint (real data, or a model the user names) takes the real defaults; the tiny model its own
  const mode: DataMode = o.data !== undefined || o.paligemmaModel !== undefined ? 'real' : 'embedded';
  const defaults = entryDefaults(entry.defaults, mode, o.smoke);
  return [
    await runPaligemma(data, {
      id,
      label: entry.label,
      description: entry.description,
      out: o.out,
      source: given ?? PALIGEMMA_DEFAULT_SOURCE,
      config: {
        ...defaults,
        ...(o.paligemmaEpochs !== undefined ? { epochs: o.paligemmaEpochs } : {}),
        seed: o.seed,
        answerSelection,
        ...execution(o),
      },
      onCorrupt: o.onCorrupt ?? 'stop',
      hashes,
      ...(o.offline ? { offline: true } : {}),
      ...(o.quantize !== undefined ? { quantize: o.quantize } : {}),
      log: o.log,
    }),
  ];
};

const askEndpoint: Trainer<EndpointEntry> = async (id, entry, { o, data }) =>
  o.endpoint ? [await runEndpoint(data, { id, label: entry.label, description: entry.description, out: o.out, endpoint: o.endpoint, log: o.log })] : [];

/** The trainer of each kind of entry. */
const TRAINERS: { [K in CompareEntry['trainer']]: Trainer<Extract<CompareEntry, { trainer: K }>> } = {
  'question-prior': fitPrior,
  head: trainHeadEntry,
  lora: fineTune,
  endpoint: askEndpoint,
};

function train(id: CompareModel, entry: CompareEntry, ctx: StageContext): Promise<ModelRun[]> {
  return (TRAINERS[entry.trainer] as Trainer<CompareEntry>)(id, entry, ctx);
}

export async function runCompare(o: CompareOptions): Promise<ComparisonSummary> {
  const hashes = await FileHashes.open(join(o.out, 'cache', 'file-hashes.json'));
  const data = await loadCompareData({
    out: o.out,
    ...(o.data !== undefined ? { data: o.data } : {}),
    ...(o.holdout !== undefined ? { holdout: o.holdout } : {}),
    smoke: o.smoke,
    seed: o.seed,
    sampleSize: o.sampleSize ?? SAMPLE_SIZE[o.smoke ? 'smoke' : 'embedded'],
    hashes,
    log: o.log,
  });
  try {
    const ctx: StageContext = {
      o,
      data,
      hashes,
      answerSelection: o.answerSelection ?? COMPARE_ANSWER_SELECTION,
      features: new Map(),
      quantizedFeatures: new Map(),
    };
    const runs: ModelRun[] = [];
    // registry order, whatever the order of --models
    for (const id of COMPARE_MODELS) if (o.models.includes(id)) runs.push(...(await train(id, COMPARISON[id], ctx)));
    const quality = await runQualityHeads(data, ctx.features, { out: o.out, seed: o.seed, ...execution(o), log: o.log });
    return await writeComparison(o.out, {
      dataset: data.info,
      annotations: data.annotations,
      records: data.val.records,
      images: data.val.images,
      runs,
      provenance: provenance(),
      seed: o.seed,
      quality,
      ...(o.quantize !== undefined ? { quantize: o.quantize } : {}),
    });
  } finally {
    await hashes.save();
    await data.close();
  }
}
