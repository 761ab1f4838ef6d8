/**
 * Frozen weights as initializers: binds named graph inputs of an encoded model to fixed tensors, so a session keeps
 * them (on a GPU: on the device) instead of receiving them with every run. Up to a threshold the tensors are embedded
 * in the model bytes; past it (protobuf caps a model at 2 GB) they go to an external data file: `model.onnx` plus
 * `model.onnx.data` in a folder, each tensor at a 4096-byte aligned offset, TensorProto.data_location = EXTERNAL, and
 * the session is created from the model's path (onnxruntime resolves `location` relative to it). Files are written
 * atomically.
 */

import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically, writeFileAtomic } from '../io/atomic-write.js';
import { encodeTensor, type TensorProtoSpec } from './onnx-encode.js';
import { spliceInitializers } from './proto-splice.js';
import type { Tensor } from './tensor.js';

/** Bound bytes above which initializers go to an external data file (well under protobuf's 2 GB model limit). */
const EXTERNAL_DATA_THRESHOLD = 1024 ** 3;
export const EXTERNAL_ALIGNMENT = 4096;
export const MODEL_FILE = 'model.onnx';
export const DATA_FILE = 'model.onnx.data';
/** Largest single write (Node writes at most 2 GiB - 1 bytes per call). */
const WRITE_CHUNK = 1 << 30;

/** A model ready for a session: bytes to create from, or a model file with its external data. */
export type BoundModel = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'file'; path: string; dataBytes: number };

function bytesOf(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

const align = (n: number): number => Math.ceil(n / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;

/** Offsets of each tensor in the data file and the file's size (the last tensor ends it, unpadded). */
export function externalLayout(lengths: readonly number[]): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let end = 0;
  for (const len of lengths) {
    const off = align(end);
    offsets.push(off);
    end = off + len;
  }
  return { offsets, size: end };
}

export interface BindOptions {
  /** Bound bytes above which they go external (default EXTERNAL_DATA_THRESHOLD). */
  threshold?: number;
  /** Folder for model.onnx + model.onnx.data, when external (required then). */
  dir?: string;
}

/** `model` with the graph inputs in `tensors` turned into initializers (embedded, or external past the threshold). */
export async function bindInitializers(model: Uint8Array, tensors: ReadonlyMap<string, Tensor>, o: BindOptions = {}): Promise<BoundModel> {
  const entries = [...tensors].map(([name, t]) => ({ name, dtype: t.dtype, dims: [...t.dims], raw: bytesOf(t) }));
  const total = entries.reduce((a, e) => a + e.raw.length, 0);
  const drop = new Set(tensors.keys());
  if (total <= (o.threshold ?? EXTERNAL_DATA_THRESHOLD)) {
    return {
      kind: 'bytes',
      bytes: spliceInitializers(
        model,
        drop,
        entries.map((e) => encodeTensor(e)),
      ),
    };
  }
  if (!o.dir) throw new Error('bindInitializers: external data needs a folder');
  const layout = externalLayout(entries.map((e) => e.raw.length));
  const specs: TensorProtoSpec[] = entries.map((e, i) => ({
    ...e,
    external: { location: DATA_FILE, offset: layout.offsets[i] as number, length: e.raw.length },
  }));
  await writeAtomically(join(o.dir, DATA_FILE), async (tmp) => {
    const fh = await open(tmp, 'w');
    try {
      for (const [i, e] of entries.entries()) {
        const base = layout.offsets[i] as number;
        for (let at = 0; at < e.raw.length; at += WRITE_CHUNK) {
          const chunk = e.raw.subarray(at, Math.min(at + WRITE_CHUNK, e.raw.length));
          await fh.write(chunk, 0, chunk.length, base + at);
        }
      }
      await fh.truncate(layout.size);
    } finally {
      await fh.close();
    }
  });
  const path = join(o.dir, MODEL_FILE);
  await writeFileAtomic(
    path,
    spliceInitializers(
      model,
      drop,
      specs.map((s) => encodeTensor(s)),
    ),
  );
  return { kind: 'file', path, dataBytes: layout.size };
}
