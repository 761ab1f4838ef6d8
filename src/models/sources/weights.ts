/**
 * A read-only view of a checkpoint's tensors by their Hugging Face names, whether it is one safetensors file or a
 * sharded one. Headers are parsed once at open; tensors are then read one at a time with positioned reads into
 * preallocated float32 arrays (F16/BF16/F64 widened on the fly by SafetensorsReader), so a multi-GB checkpoint never
 * passes through one Buffer. A name that is not there is an error naming the tensor, near matches and the files searched.
 */
import { basename } from 'node:path';
import { listNames, VizWizError } from '../../errors.js';
import { SafetensorsReader, type SafeDType } from '../../engine/safetensors.js';
import { findCheckpoint } from './weight-files.js';

export interface WeightInfo {
  readonly name: string;
  readonly dtype: SafeDType;
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  /** The file that holds it. */
  readonly file: string;
}

const FLOAT_TYPES: ReadonlySet<SafeDType> = new Set(['F32', 'F16', 'BF16', 'F64']);

export class WeightStore {
  private constructor(
    /** The file, index or folder the store was opened from. */
    readonly location: string,
    /** The safetensors files searched, in order. */
    readonly files: readonly string[],
    private readonly readers: ReadonlyMap<string, SafetensorsReader>,
    private readonly owner: ReadonlyMap<string, SafetensorsReader>,
  ) {}

  /** Opens a `.safetensors` file, a `*.safetensors.index.json`, or a folder holding either. */
  static async open(path: string): Promise<WeightStore> {
    const checkpoint = await findCheckpoint(path);
    const readers = new Map<string, SafetensorsReader>();
    try {
      for (const file of checkpoint.files) readers.set(file, await SafetensorsReader.open(file));
      const owner = new Map<string, SafetensorsReader>();
      if (checkpoint.weightMap) {
        for (const [name, file] of checkpoint.weightMap) {
          const reader = readers.get(file) as SafetensorsReader;
          if (!reader.tensors.has(name)) {
            throw new VizWizError(
              'INVALID_CHECKPOINT',
              `${checkpoint.index}: the index puts '${name}' in ${basename(file)}, but that shard has no such tensor (the shards do not match the index; download the checkpoint again)`,
            );
          }
          owner.set(name, reader);
        }
      } else {
        for (const reader of readers.values()) for (const name of reader.tensors.keys()) owner.set(name, reader);
      }
      return new WeightStore(path, checkpoint.files, readers, owner);
    } catch (err) {
      await Promise.all([...readers.values()].map((r) => r.close().catch(() => undefined)));
      throw err;
    }
  }

  /** Every tensor name, sorted. */
  get names(): string[] {
    return [...this.owner.keys()].sort();
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  info(name: string): WeightInfo {
    const reader = this.reader(name);
    const t = reader.info(name);
    return { name, dtype: t.dtype, shape: t.shape, size: t.shape.reduce((a, b) => a * b, 1), file: reader.path };
  }

  shape(name: string): readonly number[] {
    return this.info(name).shape;
  }

  /** Reads a float tensor as float32 into `out` (length = element count) or a new array. */
  async readF32(name: string, out?: Float32Array): Promise<Float32Array> {
    const reader = this.reader(name);
    const t = reader.info(name);
    if (!FLOAT_TYPES.has(t.dtype)) {
      throw new VizWizError('INVALID_CHECKPOINT', `${reader.path}: tensor '${name}' is ${t.dtype}, expected a float tensor (F32, F16, BF16 or F64)`);
    }
    return reader.readF32(name, out);
  }

  /** Reads a tensor and checks its shape first: the usual way model code loads a parameter. */
  async readF32Shaped(name: string, shape: readonly number[]): Promise<Float32Array> {
    const actual = this.shape(name);
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new VizWizError(
        'INVALID_CHECKPOINT',
        `${this.info(name).file}: tensor '${name}' has shape [${actual.join(', ')}], expected [${shape.join(', ')}] (is the config right for this checkpoint?)`,
      );
    }
    return this.readF32(name);
  }

  async close(): Promise<void> {
    await Promise.all([...this.readers.values()].map((r) => r.close()));
  }

  private reader(name: string): SafetensorsReader {
    const reader = this.owner.get(name);
    if (reader) return reader;
    throw new VizWizError(
      'INVALID_CHECKPOINT',
      `weight '${name}' not found${this.hint(name)}; searched ${this.files.length} file(s): ${listNames(this.files.map((f) => basename(f)))} in ${this.location}`,
    );
  }

  /** " (similar: a, b)" from names sharing the longest dotted prefix with `name`. */
  private hint(name: string): string {
    const parts = name.split('.');
    for (let k = parts.length - 1; k > 0; k--) {
      const prefix = `${parts.slice(0, k).join('.')}.`;
      const near = this.names.filter((n) => n.startsWith(prefix));
      if (near.length > 0) return ` (similar: ${listNames(near, 5)})`;
    }
    return '';
  }
}
