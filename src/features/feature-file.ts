/**
 * Feature files: safetensors holding float32 matrices `image` [N, Di] and, for heads that read question
 * embeddings, `text` [N, Dt], one row per annotation entry in annotation order. Everything that could make training
 * fail late (a missing tensor, a wrong rank, a row-count mismatch, NaN or infinite values) is checked here, before
 * any training starts, with the file, tensor and row named.
 */
import { VizWizError } from '../errors.js';
import { SafetensorsReader, writeSafetensors, type TensorToWrite } from '../engine/safetensors.js';

/** A row-major [rows, dim] float32 matrix. */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  dim: number;
}

export interface FeatureSet {
  image: FeatureMatrix;
  text?: FeatureMatrix;
  /** String metadata stored in the file (encoder name, source, ...). */
  metadata: Record<string, string>;
}

export interface ReadFeaturesOptions {
  /** Require a `text` tensor (clip-linear). */
  requireText?: boolean;
  /** Image names in annotation order: the row count must match, and bad rows are named by image. */
  images?: readonly string[];
}

function invalid(message: string): VizWizError {
  return new VizWizError('INVALID_FEATURES', message);
}

async function readMatrix(reader: SafetensorsReader, name: string): Promise<FeatureMatrix> {
  const info = reader.info(name);
  if (!['F32', 'F16', 'BF16', 'F64'].includes(info.dtype)) {
    throw invalid(`${reader.path}: tensor '${name}' is ${info.dtype}, expected a float tensor`);
  }
  if (info.shape.length !== 2) {
    throw invalid(`${reader.path}: tensor '${name}' has shape [${info.shape.join(', ')}], expected [N, D]`);
  }
  const [rows, dim] = info.shape as [number, number];
  if (dim === 0) throw invalid(`${reader.path}: tensor '${name}' has 0 columns`);
  return { data: await reader.readF32(name), rows, dim };
}

/** Throws naming the first row with a NaN or infinite value and how many rows have one. */
function checkFinite(path: string, name: string, m: FeatureMatrix, images?: readonly string[]): void {
  let first = -1;
  let count = 0;
  for (let r = 0; r < m.rows; r++) {
    const row = m.data.subarray(r * m.dim, (r + 1) * m.dim);
    for (let i = 0; i < row.length; i++) {
      if (!Number.isFinite(row[i])) {
        if (first < 0) first = r;
        count++;
        break;
      }
    }
  }
  if (first >= 0) {
    const which = images?.[first] ? ` (${images[first]})` : '';
    const more = count > 1 ? ` (${count} rows in all)` : '';
    throw invalid(`${path}: tensor '${name}' row ${first}${which} has NaN or infinite values${more}`);
  }
}

export async function readFeatures(path: string, options: ReadFeaturesOptions = {}): Promise<FeatureSet> {
  const reader = await SafetensorsReader.open(path);
  try {
    if (!reader.tensors.has('image')) {
      throw invalid(`${path}: no tensor 'image' (expected float32 [N, D] image features)`);
    }
    const image = await readMatrix(reader, 'image');
    let text: FeatureMatrix | undefined;
    if (reader.tensors.has('text')) text = await readMatrix(reader, 'text');
    else if (options.requireText) {
      throw invalid(`${path}: no tensor 'text' (this model needs question features; extract them with a text encoder)`);
    }
    if (text && text.rows !== image.rows) {
      throw invalid(`${path}: tensor 'text' has ${text.rows} rows but 'image' has ${image.rows}`);
    }
    const expected = options.images?.length;
    if (expected !== undefined && image.rows !== expected) {
      throw invalid(
        `${path}: ${image.rows} feature rows but the annotations have ${expected} entries ` +
          '(rows must follow annotation order; extract features from the same annotation file)',
      );
    }
    checkFinite(path, 'image', image, options.images);
    if (text) checkFinite(path, 'text', text, options.images);
    return { image, ...(text ? { text } : {}), metadata: { ...reader.metadata } };
  } finally {
    await reader.close();
  }
}

export async function writeFeatures(path: string, set: FeatureSet): Promise<void> {
  const tensors: Record<string, TensorToWrite> = {
    image: { dtype: 'F32', shape: [set.image.rows, set.image.dim], data: set.image.data },
  };
  if (set.text) tensors.text = { dtype: 'F32', shape: [set.text.rows, set.text.dim], data: set.text.data };
  await writeSafetensors(path, tensors, set.metadata);
}
