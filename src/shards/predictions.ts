/**
 * Prediction shards and their merge. A shard is one JSON file, written atomically:
 *   {"vizwiz_shard": <manifest, on one line>, "predictions": [{"image", "answer", "answerable"?}, ...]}
 * with the predictions of its rows in row order. `mergePredictionShards` checks the shards (coverage.ts), puts every
 * prediction back at its row and writes the official submission file through the same writer as an unsharded
 * `vizwiz predict` (src/eval/submission.ts), so the merged file is byte for byte the unsharded one: numbers go
 * through JSON.stringify and JSON.parse unchanged.
 */
import { readFile } from 'node:fs/promises';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import { VizWizError } from '../errors.js';
import { parseSubmission, writeSubmission } from '../eval/submission.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkCoverage, type ShardInput } from './coverage.js';
import { selectShard } from './assign.js';
import { buildManifest, parseManifest, SHARD_MANIFEST_KEY, type ShardManifest } from './manifest.js';
import type { ShardSpec } from './spec.js';

export interface PredictionShard {
  manifest: ShardManifest;
  predictions: Prediction[];
}

function checkRows(file: string, manifest: ShardManifest, predictions: readonly Prediction[]): void {
  const wrong = predictions.findIndex((p, k) => p.image !== manifest.ids[k]);
  if (predictions.length !== manifest.ids.length || wrong >= 0) {
    const at = wrong >= 0 ? `: entry ${wrong} is ${predictions[wrong]!.image}, the manifest says ${manifest.ids[wrong]}` : '';
    throw new VizWizError('INVALID_PREDICTIONS', `${file}: ${predictions.length} predictions for ${manifest.ids.length} manifest rows${at}`);
  }
}

/** Writes a prediction shard atomically (a retried pod simply rewrites it). */
export async function writePredictionShard(file: string, manifest: ShardManifest, predictions: readonly Prediction[]): Promise<void> {
  if (manifest.kind !== 'predictions') throw new Error(`writePredictionShard: a ${manifest.kind} manifest`);
  const entries = parseSubmission(
    predictions.map(({ image, answer, answerable }) => (answerable === undefined ? { image, answer } : { image, answer, answerable })),
    file,
  );
  checkRows(file, manifest, entries);
  // the manifest on one line (its row lists are long), the predictions laid out as in a submission file
  const predictionsJson = JSON.stringify(entries, null, 1).replace(/\n/g, '\n ');
  await writeFileAtomic(file, `{\n "${SHARD_MANIFEST_KEY}": ${JSON.stringify(manifest)},\n "predictions": ${predictionsJson}\n}\n`);
}

async function readPredictionShard(file: string): Promise<PredictionShard> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new VizWizError(code === 'ENOENT' ? 'NOT_FOUND' : 'INVALID_PREDICTIONS', `${file}: cannot read the prediction shard (${reason})`, { cause: err });
  }
  if (Array.isArray(json)) {
    throw new VizWizError('INVALID_ARGUMENT', `${file}: a submission file, not a shard (shards are written by vizwiz predict --shard i/n)`);
  }
  const record = (json ?? {}) as Record<string, unknown>;
  const manifest = parseManifest(record[SHARD_MANIFEST_KEY], file);
  const predictions = parseSubmission(record.predictions, file);
  checkRows(file, manifest, predictions);
  return { manifest, predictions };
}

export interface MergeResult {
  out: string;
  /** Rows of the merged file. */
  rows: number;
  shards: number;
}

/** Merges prediction shards into one submission file, identical to an unsharded run's. */
export async function mergePredictionShards(files: readonly string[], out: string): Promise<MergeResult> {
  const shards = new Map<string, PredictionShard>();
  const inputs: ShardInput[] = [];
  for (const file of files) {
    const shard = await readPredictionShard(file);
    shards.set(file, shard);
    inputs.push({ file, manifest: shard.manifest });
  }
  const members = checkCoverage(inputs, 'predictions', out);
  const total = members[0]!.manifest.total;
  const merged = new Array<Prediction>(total);
  for (const { file, manifest } of members) shards.get(file)!.predictions.forEach((p, k) => (merged[manifest.rows[k]!] = p));
  await writeSubmission(out, merged);
  return { out, rows: total, shards: members.length };
}

/** The manifest of shard `spec` of a prediction job over `all` questions, with the job's input and model fingerprints. */
export function predictionShardManifest(spec: ShardSpec, all: readonly VizWizQuestion[], source: string, model: string): ShardManifest {
  const { rows, items } = selectShard(all, spec);
  return buildManifest('predictions', spec, { source, model, total: all.length, rows, ids: items.map((q) => q.image) });
}
