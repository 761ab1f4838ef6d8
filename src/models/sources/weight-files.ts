/**
 * Which safetensors files make up a checkpoint. A path may be one `.safetensors` file, a sharded checkpoint's
 * `*.safetensors.index.json` (Hugging Face layout: `{"weight_map": {tensor: shard file}}`), or a folder holding
 * either; in a folder the index wins, then `model.safetensors`, then a lone `*.safetensors`. Shards are resolved
 * next to the index and must all exist, so a half-downloaded checkpoint is caught before any tensor is read.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { listNames, VizWizError } from '../../errors.js';
import { pathExists } from '../../io/path-exists.js';

export interface CheckpointFiles {
  /** Shard or single-file paths, in a stable order. */
  readonly files: readonly string[];
  /** For a sharded checkpoint: tensor name -> shard path (from the index). */
  readonly weightMap?: ReadonlyMap<string, string>;
  /** The index file, when sharded. */
  readonly index?: string;
}

const INDEX_SUFFIX = '.safetensors.index.json';

function invalid(message: string): VizWizError {
  return new VizWizError('INVALID_CHECKPOINT', message);
}

/** Parses an index file: tensor -> shard path, and the shard paths (sorted); shards need not exist yet. */
export async function parseShardIndex(index: string): Promise<{ weightMap: Map<string, string>; files: string[] }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(index, 'utf8'));
  } catch (err) {
    throw invalid(`${index}: cannot read the shard index (${(err as Error).message})`);
  }
  const map = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw invalid(`${index}: no "weight_map" object (expected {"weight_map": {"tensor.name": "model-00001-of-00002.safetensors"}})`);
  }
  const dir = dirname(index);
  const weightMap = new Map<string, string>();
  const shards = new Set<string>();
  for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string' || file !== basename(file)) {
      throw invalid(`${index}: weight_map entry '${name}' must be a shard file name, got ${JSON.stringify(file)}`);
    }
    const path = join(dir, file);
    weightMap.set(name, path);
    shards.add(path);
  }
  return { weightMap, files: [...shards].sort() };
}

/** Reads an index file and checks that every shard it names is present. */
export async function readShardIndex(index: string): Promise<CheckpointFiles> {
  const { weightMap, files } = await parseShardIndex(index);
  const dir = dirname(index);
  const absent: string[] = [];
  for (const f of files) if (!(await pathExists(f))) absent.push(basename(f));
  if (absent.length > 0) {
    throw invalid(`${index}: ${absent.length} shard(s) missing from ${dir}: ${listNames(absent)} (download them again or point at a complete checkpoint)`);
  }
  return { files, weightMap, index };
}

/** Finds the checkpoint at `path` (file, index or folder). */
export async function findCheckpoint(path: string): Promise<CheckpointFiles> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new VizWizError('NOT_FOUND', `${path}: no such checkpoint file or folder`);
  }
  if (!isDir) {
    if (path.endsWith(INDEX_SUFFIX)) return readShardIndex(path);
    if (path.endsWith('.safetensors')) return { files: [path] };
    throw invalid(`${path}: expected a .safetensors file, a *${INDEX_SUFFIX} file or a folder holding them`);
  }
  const names = (await readdir(path)).sort();
  const indexes = names.filter((n) => n.endsWith(INDEX_SUFFIX));
  const preferredIndex = indexes.includes(`model${INDEX_SUFFIX}`) ? `model${INDEX_SUFFIX}` : indexes.length === 1 ? indexes[0] : undefined;
  if (preferredIndex !== undefined) return readShardIndex(join(path, preferredIndex));
  const singles = names.filter((n) => n.endsWith('.safetensors'));
  if (singles.includes('model.safetensors')) return { files: [join(path, 'model.safetensors')] };
  if (singles.length === 1) return { files: [join(path, singles[0] as string)] };
  if (singles.length === 0 && indexes.length === 0) {
    throw new VizWizError(
      'NOT_FOUND',
      `${path}: no .safetensors weights in this folder (convert .bin/.pt checkpoints to safetensors, or pass a folder that has them)`,
    );
  }
  throw invalid(`${path}: several candidate checkpoints (${listNames([...indexes, ...singles])}); pass the file to use`);
}
