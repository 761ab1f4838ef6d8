/**
 * Feature shards (`vizwiz extract --shard i/n`) and their merge. A shard is a feature file of its rows only, in
 * annotation order, whose metadata holds
 *   fingerprint             the shard job's (fingerprint.ts): a rerun of a finished shard is up to date
 *   vizwiz_shard            the manifest (src/shards/manifest.ts): inputs, encoder, shard i/n, rows and their ids
 *   vizwiz_merged_metadata  the metadata the unsharded file would have, as [key, value] pairs in order
 *   failures                skipped images, by their row in the whole annotation file
 * `mergeFeatureShards` checks the shards (src/shards/coverage.ts), puts every row back in its place and writes the
 * file through the writer of an unsharded extraction (assemble.ts) with that metadata, so the merged file is byte for
 * byte the unsharded one - and up to date for `vizwiz extract` of the whole file.
 */
import { VizWizError } from '../errors.js';
import { SafetensorsReader } from '../engine/safetensors.js';
import type { VizWizQuestion } from '../data/types.js';
import type { ImageFailureRecord } from '../images/failure.js';
import type { DecodeOptions } from '../images/decode.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import { ASSIGNMENT, selectShard } from '../shards/assign.js';
import { checkCoverage, type ShardInput } from '../shards/coverage.js';
import { questionsFingerprint } from '../shards/fingerprint.js';
import { buildManifest, parseManifest, SHARD_MANIFEST_KEY, type ShardManifest } from '../shards/manifest.js';
import type { MergeResult } from '../shards/predictions.js';
import type { ShardSpec } from '../shards/spec.js';
import { writeAssembled } from './assemble.js';
import { encoderFingerprint, shardFingerprint } from './fingerprint.js';

const MERGED_METADATA_KEY = 'vizwiz_merged_metadata';

/** What a shard of an extraction job computes. */
export interface FeatureShardJob {
  readonly spec: ShardSpec;
  /** The shard's rows in the whole annotation file, ascending. */
  readonly rows: readonly number[];
  readonly questions: readonly VizWizQuestion[];
  /** The shard job's fingerprint (guards its resumption and marks its file up to date). */
  readonly fingerprint: string;
  readonly manifest: ShardManifest;
}

export function featureShardJob(
  all: readonly VizWizQuestion[],
  spec: ShardSpec,
  jobFingerprint: string,
  encoder: ImageTextEncoder,
  decode: DecodeOptions,
): FeatureShardJob {
  const { rows, items } = selectShard(all, spec);
  const manifest = buildManifest('features', spec, {
    source: questionsFingerprint(all),
    model: encoderFingerprint(encoder, decode),
    total: all.length,
    rows,
    ids: items.map((q) => q.image),
  });
  return { spec, rows, questions: items, fingerprint: shardFingerprint(jobFingerprint, spec, ASSIGNMENT), manifest };
}

/** The metadata of a shard's file, given the metadata the unsharded file would have. */
export function shardFileMetadata(job: FeatureShardJob, merged: Readonly<Record<string, string>>): Record<string, string> {
  return {
    fingerprint: job.fingerprint,
    [SHARD_MANIFEST_KEY]: JSON.stringify(job.manifest),
    [MERGED_METADATA_KEY]: JSON.stringify(Object.entries(merged)),
  };
}

interface OpenShard extends ShardInput {
  reader: SafetensorsReader;
  merged: [string, string][];
  imageDim: number;
  textDim: number | null;
}

async function openShard(file: string): Promise<OpenShard> {
  const reader = await SafetensorsReader.open(file);
  try {
    const raw = reader.metadata[SHARD_MANIFEST_KEY];
    if (raw === undefined) throw new VizWizError('INVALID_ARGUMENT', `${file}: a feature file, not a shard (shards are written by vizwiz extract --shard i/n)`);
    const manifest = parseManifest(JSON.parse(raw), file);
    const merged = JSON.parse(reader.metadata[MERGED_METADATA_KEY] ?? '[]') as [string, string][];
    const dim = (name: string): number | null => {
      const t = reader.tensors.get(name);
      if (!t) return null;
      if (t.dtype !== 'F32' || t.shape.length !== 2 || t.shape[0] !== manifest.rows.length) {
        throw new VizWizError('INVALID_FEATURES', `${file}: tensor '${name}' is ${t.dtype} [${t.shape.join(', ')}], expected F32 [${manifest.rows.length}, D]`);
      }
      return t.shape[1]!;
    };
    const imageDim = dim('image');
    if (imageDim === null) throw new VizWizError('INVALID_FEATURES', `${file}: no tensor 'image'`);
    return { file, manifest, reader, merged, imageDim, textDim: dim('text') };
  } catch (err) {
    await reader.close();
    throw err;
  }
}

/** Copies a shard's rows of tensor `name` into their rows of `into` ([total, dim]). */
async function scatter(s: OpenShard, name: string, dim: number, into: Float32Array): Promise<void> {
  const data = await s.reader.readF32(name);
  s.manifest.rows.forEach((row, k) => into.set(data.subarray(k * dim, (k + 1) * dim), row * dim));
}

/** Merges feature shards into one feature file, identical to an unsharded extraction's. */
export async function mergeFeatureShards(files: readonly string[], out: string): Promise<MergeResult & { failures: ImageFailureRecord[] }> {
  const shards: OpenShard[] = [];
  try {
    for (const file of files) shards.push(await openShard(file));
    const members = checkCoverage(shards, 'features', out) as OpenShard[];
    const first = members[0]!;
    const odd = members.find((s) => s.imageDim !== first.imageDim || s.textDim !== first.textDim);
    if (odd) {
      throw new VizWizError(
        'INVALID_FEATURES',
        `${odd.file}: feature sizes ${odd.imageDim}/${odd.textDim} differ from ${first.file}'s ${first.imageDim}/${first.textDim}`,
      );
    }
    const total = first.manifest.total;
    const image = new Float32Array(total * first.imageDim);
    const text = first.textDim === null ? undefined : new Float32Array(total * first.textDim);
    const failures: ImageFailureRecord[] = [];
    for (const s of members) {
      await scatter(s, 'image', s.imageDim, image);
      if (text) await scatter(s, 'text', s.textDim!, text);
      failures.push(...(JSON.parse(s.reader.metadata.failures ?? '[]') as ImageFailureRecord[]));
    }
    await writeAssembled(out, { rows: total, imageDim: first.imageDim, textDim: first.textDim, image, text }, Object.fromEntries(first.merged), failures);
    return { out, rows: total, shards: members.length, failures };
  } finally {
    for (const s of shards) await s.reader.close();
  }
}
