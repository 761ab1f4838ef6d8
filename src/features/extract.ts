/**
 * Resumable feature extraction: every annotation row goes through an ImageTextEncoder in batches and ends up in one
 * feature file (`image` [N, Di], `text` [N, Dt] when the encoder has a text tower, rows in annotation order).
 * - Overlap: while the encoder runs batch i, batch i+1 is already being read, decoded (sharp, libuv threads) and
 *   preprocessed, so decoding hides behind inference.
 * - Resumption: each finished batch is saved as a part in `<out>.parts/` (work-folder.ts) before the next one is
 *   taken, so killing the process at any moment loses at most the batches in flight; running the same job again
 *   computes only the missing batches, then assembles the file atomically (assemble.ts). A job whose output file is
 *   complete and matches (fingerprint.ts) is reported up to date without recomputing anything.
 * - Unusable images: `onCorrupt: 'stop'` (default) checks every image exists before starting and stops at the first
 *   undecodable one, naming it; `'skip'` gives the row zero image features (its question is still encoded) and lists
 *   it in the file's `failures` metadata and in `<out stem>.failures.json`.
 * - Shards: with `shard` (i/n), only the rows of that shard (src/shards/assign.ts) are encoded, into a shard file
 *   with a manifest (shard-file.ts) that `vizwiz merge` joins into the file an unsharded run writes. A shard is a job
 *   of its own: resumable, up to date when finished, rewritten whole by a retried pod. Failure records and messages
 *   name rows of the whole annotation file.
 */
import { assertImagesPresent, type ImageSource } from '../data/image-source.js';
import type { VizWizQuestion } from '../data/types.js';
import { SafetensorsReader } from '../engine/safetensors.js';
import { VizWizError } from '../errors.js';
import type { DecodeOptions } from '../images/decode.js';
import type { ImageFailureRecord } from '../images/failure.js';
import { assembleFeatures, failuresPathFor } from './assemble.js';
import { prepareBatch, type PreparedBatch } from './batch-prep.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import { extractionFingerprint } from './fingerprint.js';
import { planBatches, rowsIn, type RowRange } from './plan.js';
import { resolveProgress, type ProgressReporter } from './progress.js';
import { removeWorkFolder, WorkFolder, workFolderFor } from './work-folder.js';
import type { ShardSpec } from '../shards/spec.js';
import { featureShardJob, shardFileMetadata } from './shard-file.js';

export type OnCorrupt = 'stop' | 'skip';

export interface ExtractOptions {
  /** Rows in annotation order (records or test questions). */
  questions: readonly VizWizQuestion[];
  images: ImageSource;
  encoder: ImageTextEncoder;
  /** The feature file to write (.safetensors). */
  out: string;
  /** Images per encoder call (default 8). */
  batchSize?: number;
  onCorrupt?: OnCorrupt;
  /** true: a bar on stderr; false: none; default: a bar when stderr is a TTY and CI is unset; or a reporter. */
  progress?: boolean | ProgressReporter;
  decode?: DecodeOptions;
  /** Images decoded at once (default 4, libuv's default thread-pool size). */
  concurrency?: number;
  /** Extra string metadata for the feature file (not part of the job's identity). */
  metadata?: Readonly<Record<string, string>>;
  /** Notes about resumption and discarded work (default: stderr). */
  log?: (line: string) => void;
  /** Encode only this shard's rows, into a shard file for `vizwiz merge`. */
  shard?: ShardSpec;
}

export interface ExtractResult {
  readonly out: string;
  /** Rows in `out` (a shard's rows only). */
  readonly rows: number;
  /** Rows of the whole annotation file. */
  readonly totalRows: number;
  /** Rows encoded by this run. */
  readonly computedRows: number;
  /** Rows taken from a previous, interrupted run. */
  readonly resumedRows: number;
  /** True when `out` was already complete for this job and nothing was done. */
  readonly upToDate: boolean;
  readonly failures: readonly ImageFailureRecord[];
  /** Set when images were skipped. */
  readonly failuresFile?: string;
}

/** The fingerprint stored in an existing feature file, if it is a readable one. */
async function storedFingerprint(out: string): Promise<{ fingerprint?: string; failures: ImageFailureRecord[] } | undefined> {
  try {
    const reader = await SafetensorsReader.open(out);
    try {
      return { fingerprint: reader.metadata.fingerprint, failures: JSON.parse(reader.metadata.failures ?? '[]') as ImageFailureRecord[] };
    } finally {
      await reader.close();
    }
  } catch {
    return undefined;
  }
}

function stopError(f: ImageFailureRecord): VizWizError {
  const what = f.kind === 'missing' ? 'is missing' : 'cannot be decoded';
  return new VizWizError(
    f.kind === 'missing' ? 'MISSING_IMAGE' : 'INVALID_IMAGE',
    `image ${f.image} (row ${f.row}) ${what} (${f.reason}); replace or remove it, or rerun with --on-corrupt skip to give it zero features and list it in a failures file (finished batches are kept)`,
  );
}

/**
 * A single image or text is encoded as a pair (itself twice), first row kept: matrix libraries take another code
 * path for a one-row product (ONNX Runtime's MLAS on x86-64 does), whose rounding differs in the last bits, and
 * which rows end up alone in a batch depends on the batching - on the shard, for one. With pairs, a row's features
 * do not depend on its batch, so merged shards equal an unsharded run byte for byte.
 */
async function encodeImagesPaired(encoder: ImageTextEncoder, pixels: Float32Array, count: number): Promise<Float32Array> {
  if (count !== 1) return encoder.encodeImages(pixels, count);
  const twice = new Float32Array(pixels.length * 2);
  twice.set(pixels);
  twice.set(pixels, pixels.length);
  return (await encoder.encodeImages(twice, 2)).subarray(0, encoder.imageDim);
}

async function encodeTextsPaired(encoder: ImageTextEncoder, texts: readonly string[]): Promise<Float32Array> {
  if (texts.length !== 1) return encoder.encodeTexts!([...texts]);
  return (await encoder.encodeTexts!([texts[0]!, texts[0]!])).subarray(0, encoder.textDim);
}

async function encodeBatch(
  encoder: ImageTextEncoder,
  batch: PreparedBatch,
  questions: readonly VizWizQuestion[],
): Promise<{ image: Float32Array; text?: Float32Array }> {
  const { start, end } = batch.range;
  const n = end - start;
  const dim = encoder.imageDim;
  const image = new Float32Array(n * dim);
  if (batch.ok.length > 0) {
    const encoded = await encodeImagesPaired(encoder, batch.pixels, batch.ok.length);
    if (encoded.length !== batch.ok.length * dim) {
      throw new Error(`encoder ${encoder.id}: encodeImages returned ${encoded.length} values for ${batch.ok.length} images of ${dim}`);
    }
    batch.ok.forEach((row, k) => image.set(encoded.subarray(k * dim, (k + 1) * dim), (row - start) * dim));
  }
  if (encoder.textDim === undefined) return { image };
  const texts = questions.slice(start, end).map((q) => q.question);
  const text = await encodeTextsPaired(encoder, texts);
  if (text.length !== n * encoder.textDim) {
    throw new Error(`encoder ${encoder.id}: encodeTexts returned ${text.length} values for ${n} texts of ${encoder.textDim}`);
  }
  return { image, text };
}

export async function extractFeatures(options: ExtractOptions): Promise<ExtractResult> {
  const { images, encoder, out } = options;
  const batchSize = options.batchSize ?? 8;
  const onCorrupt = options.onCorrupt ?? 'stop';
  const decode = options.decode ?? {};
  const concurrency = options.concurrency ?? 4;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new VizWizError('INVALID_ARGUMENT', `batch size must be a whole number >= 1, got ${batchSize}`);
  if (encoder.textDim !== undefined && !encoder.encodeTexts) throw new Error(`encoder ${encoder.id} declares textDim but has no encodeTexts`);
  const totalRows = options.questions.length;
  const jobFingerprint = extractionFingerprint(options.questions, encoder, decode);
  const shard = options.shard ? featureShardJob(options.questions, options.shard, jobFingerprint, encoder, decode) : undefined;
  const questions = shard?.questions ?? options.questions;
  const fingerprint = shard?.fingerprint ?? jobFingerprint;
  /** A row of `questions` as a row of the whole annotation file. */
  const rowOf = (row: number): number => (shard ? shard.rows[row]! : row);
  const rows = questions.length;

  const stored = await storedFingerprint(out);
  if (stored?.fingerprint === fingerprint) {
    // Written atomically and only after every batch: complete. A work folder beside it is a removal cut short.
    await removeWorkFolder(workFolderFor(out));
    const failuresFile = failuresPathFor(out);
    return {
      out,
      rows,
      totalRows,
      computedRows: 0,
      resumedRows: 0,
      upToDate: true,
      failures: stored.failures,
      ...(stored.failures.length > 0 ? { failuresFile } : {}),
    };
  }
  if (onCorrupt === 'stop') await assertImagesPresent(questions, images);

  const work = await WorkFolder.open(out, { format: 1, fingerprint, rows, imageDim: encoder.imageDim, textDim: encoder.textDim ?? null }, log);
  const resumedRows = rowsIn(work.finished());
  const batches = planBatches(rows, batchSize, work.finished());
  if (resumedRows > 0 && batches.length > 0) log(`extract: resuming ${out}: ${resumedRows} of ${rows} rows already done`);

  const progress = resolveProgress(options.progress, 'extract');
  progress.start(rows, resumedRows);
  let done = resumedRows;
  try {
    const prepare = (range: RowRange): Promise<PreparedBatch> => {
      const p = prepareBatch(range, questions, images, encoder, { decode, concurrency });
      p.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
      return p;
    };
    let next = batches[0] ? prepare(batches[0]) : undefined;
    for (let i = 0; i < batches.length; i++) {
      const batch = await next!;
      next = batches[i + 1] ? prepare(batches[i + 1]!) : undefined;
      if (onCorrupt === 'stop' && batch.failures.length > 0) throw stopError({ ...batch.failures[0]!, row: rowOf(batch.failures[0]!.row) });
      const { image, text } = await encodeBatch(encoder, batch, questions);
      await work.writePart(batch.range, { image, ...(text ? { text } : {}), failures: batch.failures });
      done += batch.range.end - batch.range.start;
      progress.update(done);
    }
  } finally {
    progress.stop();
  }

  const metadata: Record<string, string> = {
    ...options.metadata,
    encoder: encoder.id,
    ...encoder.metadata,
    rows: String(totalRows),
    image_dim: String(encoder.imageDim),
    ...(encoder.textDim !== undefined ? { text_dim: String(encoder.textDim) } : {}),
    fingerprint: jobFingerprint,
  };
  const failures = await assembleFeatures(work, out, shard ? shardFileMetadata(shard, metadata) : metadata, rowOf);
  return {
    out,
    rows,
    totalRows,
    computedRows: rows - resumedRows,
    resumedRows,
    upToDate: false,
    failures,
    ...(failures.length > 0 ? { failuresFile: failuresPathFor(out) } : {}),
  };
}
