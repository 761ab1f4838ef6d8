/**
 * Quantized weights computed once and cached next to the checkpoint: `<cache dir>/<scheme>.safetensors` holds the
 * quantized parts of every selected Linear weight (uint8 codes, float32 scales, uint8 zero points), with the source
 * fingerprint and the scheme in its metadata. A start whose fingerprint matches reads the file and quantizes nothing;
 * a mismatch (another checkpoint, another scheme, an edited file) quantizes again and replaces it atomically.
 * Quantizing reads one float tensor at a time from the checkpoint (positioned reads), so the peak is the quantized
 * parts plus the largest single tensor, never a float copy of the model. The fingerprint is the scheme plus, per
 * checkpoint file, its name, size, modification time and a hash of its safetensors header (names, dtypes, shapes,
 * offsets): cheap at every start, unlike hashing gigabytes; an edited or replaced file changes its size or time.
 */

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { quantizeMatrix, type QuantScheme } from '../../engine/block-quantize.js';
import type { WeightSpec } from '../../engine/model.js';
import { quantizedArrays, type QuantizedSelection } from '../../engine/quantized-weights.js';
import { SafetensorsReader, writeSafetensors, type TensorToWrite } from '../../engine/safetensors.js';
import type { WeightArray } from '../../engine/weights.js';
import { VizWizError } from '../../errors.js';
import { pathExists } from '../../io/path-exists.js';

const FORMAT = 'vizwiz-quantized/1';

/** The default cache folder of a checkpoint folder. */
export function defaultQuantizedCacheDir(checkpointDir: string): string {
  return path.join(checkpointDir, '.vizwiz-quantized');
}

export interface QuantizedCacheRequest {
  /** The checkpoint's safetensors files (their identity is the fingerprint). */
  files: readonly string[];
  /** Reads one float tensor of the checkpoint (called once per selected weight, only when quantizing). */
  readF32: (name: string, shape: readonly number[]) => Promise<Float32Array>;
  /** Which Linear weights to quantize, and how; `schemeName` names the cache file ('int8', 'int4'). */
  selection: QuantizedSelection;
  schemeName: string;
  /** Their shapes (every selected name must be here). */
  specs: readonly WeightSpec[];
  cacheDir: string;
}

export interface QuantizedCacheResult {
  /** The quantized parts of every selected weight, by graph input name. */
  parts: Map<string, WeightArray>;
  file: string;
  /** True when the file was read as it was; false when the weights were quantized (and the file written) now. */
  reused: boolean;
}

async function headerHash(file: string): Promise<string> {
  const r = await SafetensorsReader.open(file);
  try {
    const entries = [...r.tensors.values()].map((t) => [t.name, t.dtype, t.shape, t.position, t.byteLength]);
    return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
  } finally {
    await r.close();
  }
}

/** The fingerprint of the source files and the scheme (see the module header for what it covers). */
export async function quantizedFingerprint(files: readonly string[], scheme: QuantScheme, names: ReadonlySet<string>): Promise<string> {
  const sources = [];
  for (const f of files) {
    const s = await stat(f);
    sources.push({ name: path.basename(f), size: s.size, mtimeMs: Math.floor(s.mtimeMs), header: await headerHash(f) });
  }
  const identity = { format: FORMAT, scheme, names: [...names].sort(), sources };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

async function readCache(file: string, fingerprint: string): Promise<Map<string, WeightArray> | null> {
  if (!(await pathExists(file))) return null;
  const r = await SafetensorsReader.open(file);
  try {
    if (r.metadata.fingerprint !== fingerprint) return null;
    const parts = new Map<string, WeightArray>();
    for (const [name, t] of r.tensors) {
      const data = await r.read(name);
      if (!(data instanceof Float32Array || data instanceof Uint8Array) || (t.dtype !== 'F32' && t.dtype !== 'U8')) {
        throw new VizWizError('INVALID_CHECKPOINT', `${file}: '${name}' is ${t.dtype}; delete the file to quantize again`);
      }
      parts.set(name, data);
    }
    return parts;
  } finally {
    await r.close();
  }
}

async function quantizeFrom(req: QuantizedCacheRequest): Promise<Map<string, WeightArray>> {
  const shapes = new Map(req.specs.map((s) => [s.name, s.shape]));
  const parts = new Map<string, WeightArray>();
  for (const name of req.selection.names) {
    const shape = shapes.get(name);
    if (!shape || shape.length !== 2) throw new VizWizError('INVALID_CHECKPOINT', `cannot quantize '${name}': not a 2-D weight of the model`);
    const q = quantizeMatrix(await req.readF32(name, shape), shape[0]!, shape[1]!, req.selection.scheme); // the float tensor is dropped here
    for (const [part, values] of quantizedArrays(name, q)) parts.set(part, values);
  }
  return parts;
}

/** The quantized parts of the selected weights: from the cache when its fingerprint matches, else quantized and cached. */
export async function loadOrQuantize(req: QuantizedCacheRequest): Promise<QuantizedCacheResult> {
  const file = path.join(req.cacheDir, `${req.schemeName}.safetensors`);
  const fingerprint = await quantizedFingerprint(req.files, req.selection.scheme, req.selection.names);
  const cached = await readCache(file, fingerprint);
  if (cached) return { parts: cached, file, reused: true };
  const parts = await quantizeFrom(req);
  const out = new Map<string, TensorToWrite>();
  for (const [name, data] of parts) out.set(name, { dtype: data instanceof Uint8Array ? 'U8' : 'F32', shape: [data.length], data });
  try {
    await writeSafetensors(file, out, { format: FORMAT, fingerprint, scheme: JSON.stringify(req.selection.scheme) });
  } catch (e) {
    throw new VizWizError('FILE_SYSTEM', `cannot write the quantized weights to ${file}: ${(e as Error).message}; make the folder writable`, { cause: e });
  }
  return { parts, file, reused: false };
}
