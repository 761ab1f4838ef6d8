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
}

export interface ExtractResult {
  readonly out: string;
  readonly rows: number;
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

async function encodeBatch(encoder: ImageTextEncoder, batch: PreparedBatch, questions: readonly VizWizQuestion[]): Promise<{ image: Float32Array; text?: Float32Array }> {
  const { start, end } = batch.range;
  const n = end - start;
  const dim = encoder.imageDim;
  const image = new Float32Array(n * dim);
  if (batch.ok.length > 0) {
    const encoded = await encoder.encodeImages(batch.pixels, batch.ok.length);
    if (encoded.length !== batch.ok.length * dim) {
      throw new Error(`encoder ${encoder.id}: encodeImages returned ${encoded.length} values for ${batch.ok.length} images of ${dim}`);
    }
    batch.ok.forEach((row, k) => image.set(encoded.subarray(k * dim, (k + 1) * dim), (row - start) * dim));
  }
  if (encoder.textDim === undefined) return { image };
  const texts = questions.slice(start, end).map((q) => q.question);
  const text = await encoder.encodeTexts!(texts);
  if (text.length !== n * encoder.textDim) {
    throw new Error(`encoder ${encoder.id}: encodeTexts returned ${text.length} values for ${n} texts of ${encoder.textDim}`);
  }
  return { image, text };
}

export async function extractFeatures(options: ExtractOptions): Promise<ExtractResult> {
  const { questions, images, encoder, out } = options;
  const batchSize = options.batchSize ?? 8;
  const onCorrupt = options.onCorrupt ?? 'stop';
  const decode = options.decode ?? {};
  const concurrency = options.concurrency ?? 4;
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new VizWizError('INVALID_ARGUMENT', `batch size must be a whole number >= 1, got ${batchSize}`);
  if (encoder.textDim !== undefined && !encoder.encodeTexts) throw new Error(`encoder ${encoder.id} declares textDim but has no encodeTexts`);
  const rows = questions.length;
  const fingerprint = extractionFingerprint(questions, encoder, decode);

  const stored = await storedFingerprint(out);
  if (stored?.fingerprint === fingerprint) {
    // Written atomically and only after every batch: complete. A work folder beside it is a removal cut short.
    await removeWorkFolder(workFolderFor(out));
    const failuresFile = failuresPathFor(out);
    return { out, rows, computedRows: 0, resumedRows: 0, upToDate: true, failures: stored.failures, ...(stored.failures.length > 0 ? { failuresFile } : {}) };
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
      if (onCorrupt === 'stop' && batch.failures.length > 0) throw stopError(batch.failures[0]!);
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
    rows: String(rows),
    image_dim: String(encoder.imageDim),
    ...(encoder.textDim !== undefined ? { text_dim: String(encoder.textDim) } : {}),
    fingerprint,
  };
  const failures = await assembleFeatures(work, out, metadata);
  return {
    out,
    rows,
    computedRows: rows - resumedRows,
    resumedRows,
    upToDate: false,
    failures,
    ...(failures.length > 0 ? { failuresFile: failuresPathFor(out) } : {}),
  };
}
