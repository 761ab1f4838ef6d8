/**
 * safetensors I/O (the Hugging Face format: u64 little-endian header length, a JSON header of
 * {name: {dtype, shape, data_offsets}} plus optional __metadata__, then the raw little-endian data).
 * Reading parses the header once and then reads tensor by tensor with positioned reads into preallocated typed arrays,
 * so multi-GB checkpoints never pass through one Buffer; F16 and BF16 are widened to float32 on the fly, chunk by
 * chunk. Writing goes to a temp file that is renamed into place, so an interrupted write never leaves a torn file.
 */

import { open, type FileHandle } from 'node:fs/promises';
import { writeAtomically } from '../io/atomic-write.js';
import { endianness } from 'node:os';
import { VizWizError } from '../errors.js';

export type SafeDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const ELEMENT_BYTES: Readonly<Record<SafeDType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafeDType;
  readonly shape: readonly number[];
  /** Absolute position of the first byte in the file. */
  readonly position: number;
  readonly byteLength: number;
}

export type TensorData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** A tensor to write: F16/BF16 data are the raw 16-bit patterns. */
export interface TensorToWrite {
  dtype: SafeDType;
  shape: readonly number[];
  data: TensorData;
}

/** Largest single fs read/write (fs caps one call below 2 GiB). */
const CHUNK = 1 << 28;

function checkEndianness(): void {
  if (endianness() !== 'LE') throw new Error('safetensors I/O assumes a little-endian machine');
}

function bad(path: string, why: string): VizWizError {
  return new VizWizError('INVALID_CHECKPOINT', `${path}: not a valid safetensors file (${why})`);
}

export class SafetensorsReader {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  static async open(path: string): Promise<SafetensorsReader> {
    checkEndianness();
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw new VizWizError('NOT_FOUND', `cannot open safetensors file ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const size = (await fh.stat()).size;
      const lenBuf = Buffer.alloc(8);
      if (size < 8 || (await fh.read(lenBuf, 0, 8, 0)).bytesRead !== 8) throw bad(path, 'shorter than 8 bytes');
      const headerLen = Number(lenBuf.readBigUInt64LE(0));
      if (headerLen > size - 8 || headerLen > 100_000_000) throw bad(path, `header length ${headerLen} exceeds the file`);
      const headerBuf = Buffer.alloc(headerLen);
      await fh.read(headerBuf, 0, headerLen, 8);
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(headerBuf.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw bad(path, 'header is not JSON');
      }
      const dataStart = 8 + headerLen;
      const tensors = new Map<string, TensorInfo>();
      let metadata: Record<string, string> = {};
      for (const [name, raw] of Object.entries(header)) {
        if (name === '__metadata__') {
          metadata = (raw ?? {}) as Record<string, string>;
          continue;
        }
        const e = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
        if (!e.dtype || !(e.dtype in ELEMENT_BYTES)) throw bad(path, `tensor '${name}' has unsupported dtype ${String(e.dtype)}`);
        const dtype = e.dtype as SafeDType;
        const shape = e.shape ?? [];
        const [begin, end] = e.data_offsets ?? [NaN, NaN];
        const n = shape.reduce((a, b) => a * b, 1);
        if (!(end - begin === n * ELEMENT_BYTES[dtype]) || dataStart + end > size) {
          throw bad(path, `tensor '${name}' offsets [${begin}, ${end}] do not fit ${dtype}[${shape.join(', ')}] in the file`);
        }
        tensors.set(name, { name, dtype, shape, position: dataStart + begin, byteLength: end - begin });
      }
      return new SafetensorsReader(path, fh, tensors, metadata);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  info(name: string): TensorInfo {
    const t = this.tensors.get(name);
    if (!t) throw new VizWizError('INVALID_CHECKPOINT', `${this.path}: no tensor named '${name}'`);
    return t;
  }

  private async readInto(target: Uint8Array, position: number): Promise<void> {
    for (let off = 0; off < target.length; off += CHUNK) {
      const len = Math.min(CHUNK, target.length - off);
      const { bytesRead } = await this.fh.read(target, off, len, position + off);
      if (bytesRead !== len) throw bad(this.path, 'truncated data');
    }
  }

  /** Reads a float tensor as float32 (F32 as is; F16/BF16/F64 converted) into `out` or a new array. */
  async readF32(name: string, out?: Float32Array): Promise<Float32Array> {
    const t = this.info(name);
    const n = t.byteLength / ELEMENT_BYTES[t.dtype];
    const dst = out ?? new Float32Array(n);
    if (dst.length !== n) throw new Error(`readF32('${name}'): output has ${dst.length} elements, tensor has ${n}`);
    if (t.dtype === 'F32') {
      await this.readInto(new Uint8Array(dst.buffer, dst.byteOffset, dst.byteLength), t.position);
      return dst;
    }
    if (t.dtype !== 'F16' && t.dtype !== 'BF16' && t.dtype !== 'F64')
      throw new VizWizError('INVALID_CHECKPOINT', `${this.path}: tensor '${name}' is ${t.dtype}, not a float tensor`);
    const bytes = ELEMENT_BYTES[t.dtype];
    const perChunk = Math.floor(CHUNK / 8);
    const scratch = new Uint8Array(Math.min(n, perChunk) * bytes);
    for (let i = 0; i < n; i += perChunk) {
      const m = Math.min(perChunk, n - i);
      const view = scratch.subarray(0, m * bytes);
      await this.readInto(view, t.position + i * bytes);
      if (t.dtype === 'F64') {
        const src = new Float64Array(view.buffer, 0, m);
        for (let k = 0; k < m; k++) dst[i + k] = src[k] as number;
      } else {
        const src = new Uint16Array(view.buffer, 0, m);
        if (t.dtype === 'BF16') bf16ToF32(src, dst.subarray(i, i + m));
        else f16ToF32(src, dst.subarray(i, i + m));
      }
    }
    return dst;
  }

  /** Reads a tensor in its stored type (F16/BF16 as raw Uint16Array bit patterns). */
  async read(name: string): Promise<TensorData> {
    const t = this.info(name);
    const n = t.byteLength / ELEMENT_BYTES[t.dtype];
    const out = allocFor(t.dtype, n);
    await this.readInto(new Uint8Array(out.buffer, out.byteOffset, out.byteLength), t.position);
    return out;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

function allocFor(dtype: SafeDType, n: number): TensorData {
  switch (dtype) {
    case 'F64':
      return new Float64Array(n);
    case 'F32':
      return new Float32Array(n);
    case 'F16':
    case 'BF16':
      return new Uint16Array(n);
    case 'I64':
      return new BigInt64Array(n);
    case 'I32':
      return new Int32Array(n);
    case 'I16':
      return new Int16Array(n);
    case 'I8':
      return new Int8Array(n);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(n);
  }
}

/** bfloat16 bit patterns -> float32 (exact: bf16 is the top half of a float32). */
export function bf16ToF32(src: Uint16Array, dst: Float32Array): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) bits[i] = (src[i] as number) << 16;
}

let halfTable: Float32Array | null = null;

/** IEEE half -> float32 for one bit pattern (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float16 bit patterns -> float32, through a 65,536-entry table built on first use. */
export function f16ToF32(src: Uint16Array, dst: Float32Array): void {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  const table = halfTable;
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i] as number] as number;
}

/** Reads every tensor of a (small) file: floats as float32, integers in their own type. */
export async function readSafetensors(path: string): Promise<Map<string, { dtype: SafeDType; shape: readonly number[]; data: TensorData }>> {
  const r = await SafetensorsReader.open(path);
  try {
    const out = new Map<string, { dtype: SafeDType; shape: readonly number[]; data: TensorData }>();
    for (const t of r.tensors.values()) {
      const isFloat = t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16' || t.dtype === 'F64';
      out.set(t.name, { dtype: t.dtype, shape: t.shape, data: isFloat ? await r.readF32(t.name) : await r.read(t.name) });
    }
    return out;
  } finally {
    await r.close();
  }
}

/** Writes tensors (and string metadata) atomically: temp file in the same folder, then rename. */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, TensorToWrite> | Readonly<Record<string, TensorToWrite>>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<void> {
  checkEndianness();
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)) as [string, TensorToWrite][];
  // Order as the reference writer does: larger element size first, then by name.
  entries.sort(([na, a], [nb, b]) => ELEMENT_BYTES[b.dtype] - ELEMENT_BYTES[a.dtype] || (na < nb ? -1 : na > nb ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n || t.data.BYTES_PER_ELEMENT !== ELEMENT_BYTES[t.dtype]) {
      throw new Error(`writeSafetensors: '${name}' has ${t.data.length} x ${t.data.BYTES_PER_ELEMENT}-byte values, expected ${n} x ${t.dtype}`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));

  await writeAtomically(path, async (tmp) => {
    const fh = await open(tmp, 'w');
    try {
      await fh.write(len);
      await fh.write(headerBytes);
      for (const [, t] of entries) {
        const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
        for (let off = 0; off < bytes.length; off += CHUNK) {
          const part = bytes.subarray(off, Math.min(bytes.length, off + CHUNK));
          let written = 0;
          while (written < part.length) written += (await fh.write(part, written, part.length - written)).bytesWritten;
        }
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  });
}
