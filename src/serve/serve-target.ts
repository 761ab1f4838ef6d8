/**
 * What `vizwiz serve` serves, from its flags:
 * - `--run DIR`: a `vizwiz train` run (model.json), a `vizwiz finetune` run (run.json; its best/ adapter on its
 *   recorded base), or a whole comparison (results.json: its best model);
 * - `--model paligemma --base SOURCE [--adapter DIR]`: PaliGemma zero-shot or with a LoRA adapter;
 * - nothing: the best model of runs/compare, the README's main job, or a message saying how to make one.
 * "Best" is the highest official VizWiz accuracy in the comparison's results.json among the models with a run folder
 * (the question prior has none). The quality head comes from `--quality DIR`, else the comparison's
 * `quality/<encoder>/` folder (the encoder of the served head, or any for PaliGemma), else a `quality/` folder
 * inside a train run; without one, answers carry no quality flags (answerability advice still works).
 */
import type { QuantSchemeName } from '../engine/block-quantize.js';
import type { ComputeDType } from '../engine/inference.js';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Device } from '../engine/device.js';
import { VizWizError } from '../errors.js';
import { readAdapterMeta, RUN_FORMAT } from '../finetune/run-folder.js';
import { QUALITY_RECORD } from '../train/quality.js';
import { readHeadDescription } from '../train/predict.js';
import type { AnswerModel } from './answer-model.js';
import { loadHeadModel } from './head-model.js';
import { loadPaligemmaModel } from './paligemma-model.js';
import { locateSource } from './recorded-encoder.js';

export const DEFAULT_COMPARE_DIR = 'runs/compare';
/** Preferred encoder of a quality head next to a PaliGemma model (any other found is used otherwise). */
const PREFERRED_QUALITY = 'clip-vit-l14-336';

export type ServeTarget =
  { kind: 'head'; dir: string; compareRoot?: string; id?: string } | { kind: 'paligemma'; base: string; adapter?: string; compareRoot?: string; id?: string };

export interface ServeFlags {
  run?: string;
  model?: 'paligemma';
  base?: string;
  adapter?: string;
}

const isHeadRun = (dir: string) => existsSync(join(dir, 'model.json'));
const isFinetuneRun = (dir: string) => existsSync(join(dir, 'run.json'));
const isComparison = (dir: string) => existsSync(join(dir, 'results.json')) && existsSync(join(dir, 'runs'));

/** The comparison folder holding a run folder (ROOT/runs/ID), if it is one. */
function comparisonOf(dir: string): string | undefined {
  const parent = dirname(dir);
  return basename(parent) === 'runs' && isComparison(dirname(parent)) ? dirname(parent) : undefined;
}

/** The comparison's results.json: each model's id and run folder. */
interface ComparisonResults {
  models?: { id: string; run?: { folder: string } | null; accuracy?: { official?: { overall?: number } } }[];
}

async function comparisonResults(root: string): Promise<ComparisonResults> {
  return JSON.parse(await readFile(join(root, 'results.json'), 'utf8')) as ComparisonResults;
}

/** The id a run is served under: its model id in the comparison holding it (run folders are keyed), else its folder. */
async function servedId(dir: string, compareRoot: string | undefined): Promise<string> {
  if (!compareRoot) return basename(dir);
  const model = (await comparisonResults(compareRoot)).models?.find((m) => m.run && basename(m.run.folder) === basename(dir));
  return model?.id ?? basename(dir);
}

async function finetuneTarget(dir: string, compareRoot: string | undefined): Promise<ServeTarget> {
  const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')) as { format?: string; base?: string };
  if (run.format !== RUN_FORMAT)
    throw new VizWizError('INVALID_CHECKPOINT', `${dir}/run.json: not a vizwiz finetune run (format ${JSON.stringify(run.format)})`);
  const adapter = join(dir, 'best');
  if (!existsSync(join(adapter, 'adapter_config.json')))
    throw new VizWizError('INVALID_CHECKPOINT', `${dir}: no best/ adapter yet; let the fine-tune finish an epoch`);
  const base = (await readAdapterMeta(adapter))?.base ?? run.base;
  if (!base)
    throw new VizWizError(
      'INVALID_CHECKPOINT',
      `${dir}: the run does not record its base model; serve it with --model paligemma --base SOURCE --adapter ${adapter}`,
    );
  return {
    kind: 'paligemma',
    base: locateSource(base, compareRoot ? [compareRoot] : []),
    adapter,
    ...(compareRoot ? { compareRoot } : {}),
    id: await servedId(dir, compareRoot),
  };
}

async function runTarget(dir: string): Promise<ServeTarget> {
  const compareRoot = comparisonOf(dir);
  if (isHeadRun(dir)) return { kind: 'head', dir, ...(compareRoot ? { compareRoot } : {}), id: await servedId(dir, compareRoot) };
  if (isFinetuneRun(dir)) return finetuneTarget(dir, compareRoot);
  throw new VizWizError(
    'NOT_FOUND',
    `${dir} is not a vizwiz run: expected model.json (vizwiz train), run.json (vizwiz finetune) or results.json (vizwiz compare)`,
  );
}

/** The best servable model of a comparison, by official accuracy. */
export async function bestOfComparison(root: string): Promise<ServeTarget> {
  const results = await comparisonResults(root);
  const ranked = [...(results.models ?? [])].sort((a, b) => (b.accuracy?.official?.overall ?? -1) - (a.accuracy?.official?.overall ?? -1));
  for (const m of ranked) {
    // A comparison keys its run folders (runs/<model>-<key>); results.json names each model's.
    const dir = join(root, 'runs', m.run ? basename(m.run.folder) : m.id);
    if (isHeadRun(dir) || isFinetuneRun(dir)) return runTarget(dir);
  }
  throw new VizWizError(
    'NOT_FOUND',
    `${root}: no servable model among ${ranked.map((m) => m.id).join(', ') || 'none'} (each needs a folder under ${join(root, 'runs')})`,
  );
}

export async function chooseServeTarget(flags: ServeFlags, compareDir = DEFAULT_COMPARE_DIR): Promise<ServeTarget> {
  if (flags.model === 'paligemma') {
    if (flags.run !== undefined) throw new VizWizError('INVALID_ARGUMENT', 'pass either --run or --model paligemma, not both');
    if (!flags.base) throw new VizWizError('INVALID_ARGUMENT', '--model paligemma needs --base SOURCE (a checkpoint folder or hf:google/paligemma-3b-pt-224)');
    return { kind: 'paligemma', base: flags.base, ...(flags.adapter !== undefined ? { adapter: flags.adapter } : {}) };
  }
  if (flags.base !== undefined || flags.adapter !== undefined) throw new VizWizError('INVALID_ARGUMENT', '--base and --adapter go with --model paligemma');
  if (flags.run !== undefined) {
    if (!existsSync(flags.run)) throw new VizWizError('NOT_FOUND', `--run ${flags.run}: no such folder`);
    return isComparison(flags.run) ? bestOfComparison(flags.run) : runTarget(flags.run);
  }
  if (!isComparison(compareDir)) {
    throw new VizWizError(
      'NOT_FOUND',
      `no model to serve: ${compareDir} holds no comparison yet. Make one with \`npm run compare\` (about a minute on the embedded sample, no download), ` +
        'or pass --run DIR (a vizwiz train or finetune run) or --model paligemma --base SOURCE',
    );
  }
  return bestOfComparison(compareDir);
}

/** The quality head that goes with a target when none is given. */
async function defaultQuality(target: ServeTarget): Promise<string | undefined> {
  if (target.kind === 'head' && !target.compareRoot) {
    const own = join(target.dir, 'quality');
    return existsSync(join(own, QUALITY_RECORD)) ? own : undefined;
  }
  if (!target.compareRoot) return undefined;
  const folder = join(target.compareRoot, 'quality');
  if (!existsSync(folder)) return undefined;
  const found = (await readdir(folder)).filter((name) => existsSync(join(folder, name, QUALITY_RECORD))).sort();
  const wanted = target.kind === 'head' ? (await readHeadDescription(target.dir)).encoder : found.includes(PREFERRED_QUALITY) ? PREFERRED_QUALITY : found[0];
  return wanted !== undefined && found.includes(wanted) ? join(folder, wanted) : undefined;
}

export interface LoadServeOptions {
  device: Device;
  threads?: number;
  offline?: boolean;
  /** A quality head folder; false = none; undefined = the target's own (defaultQuality). */
  quality?: string | false;
  /** PaliGemma only: block-quantized Linear weights (int8, int4). */
  quantize?: QuantSchemeName;
  /** PaliGemma only: the compute dtype (default float32). */
  dtype?: ComputeDType;
  log?: (line: string) => void;
}

export async function loadServeModel(target: ServeTarget, o: LoadServeOptions): Promise<AnswerModel> {
  const quality = o.quality === false ? undefined : (o.quality ?? (await defaultQuality(target)));
  const common = {
    device: o.device,
    ...(o.threads ? { threads: o.threads } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(quality ? { quality } : {}),
    ...(target.compareRoot ? { roots: [target.compareRoot] } : {}),
  };
  if (target.kind === 'head') {
    if (o.quantize !== undefined) throw new VizWizError('USAGE', '--quantize applies to PaliGemma (--model paligemma), not to a trained head');
    if (o.dtype !== undefined && o.dtype !== 'float32')
      throw new VizWizError('USAGE', '--dtype f16 applies to PaliGemma (--model paligemma), not to a trained head');
    return loadHeadModel(target.dir, { ...common, id: target.id ?? basename(target.dir) });
  }
  return loadPaligemmaModel({
    ...common,
    ...(o.quantize !== undefined ? { quantize: o.quantize } : {}),
    ...(o.dtype !== undefined && o.dtype !== 'float32' ? { dtype: o.dtype } : {}),
    ...(o.log ? { log: o.log } : {}),
    base: target.base,
    ...(target.adapter !== undefined ? { adapter: target.adapter } : {}),
    ...(target.id ? { id: target.id } : {}),
  });
}
