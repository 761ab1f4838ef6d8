/**
 * Turns a model source (see spec.ts) into a local folder. A local path is checked and used as is. A hub source is
 * downloaded once into the cache (hub-cache.ts), fetching only what the model code needs: config and tokenizer
 * files, and the safetensors weights (the shard index and the shards it names, or the single file); later runs make
 * one API request to learn the revision's commit and download nothing. A pinned commit that is cached needs no
 * network at all, and an unreachable hub falls back to the cache. Offline mode never touches the network.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { listNames, VizWizError } from '../../errors.js';
import { cachedCommit, COMMIT_HASH, defaultCacheDir, offlineFromEnv, snapshotFolder, writeRef } from './hub-cache.js';
import { createHubClient, HubUnreachable, type HubClient } from './hub-client.js';
import { parseModelSource } from './spec.js';
import { findCheckpoint, parseShardIndex, readShardIndex, type CheckpointFiles } from './weight-files.js';
import { pathExists } from '../../io/path-exists.js';

/** Config, preprocessing and tokenizer files fetched from a hub repo when present. */
export const MODEL_FILES: readonly string[] = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'vocab.json',
  'merges.txt',
  'special_tokens_map.json',
  'added_tokens.json',
  'tokenizer.model',
];

export interface ResolvedSource {
  /** The source as written (hub sources normalised to hf:org/repo@revision). */
  readonly source: string;
  /** The folder holding config.json, tokenizer files and weights. */
  readonly dir: string;
  /** The checkpoint inside it: the single .safetensors file, or the sharded checkpoint's *.safetensors.index.json. */
  readonly weights: string;
  readonly repo?: string;
  readonly revision?: string;
  readonly commit?: string;
}

export interface ResolveOptions {
  /** Cache folder (default VIZWIZ_CACHE or ~/.cache/vizwiz/hub). */
  cacheDir?: string;
  /** Never use the network (default from VIZWIZ_OFFLINE / HF_HUB_OFFLINE). */
  offline?: boolean;
  /** Hub access (default: the @huggingface/hub client with HF_TOKEN). */
  client?: HubClient;
  /** Extra top-level files to fetch when present. */
  extraFiles?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** One line per download or fallback (default: stderr). */
  log?: (line: string) => void;
}

/** Top-level weight files to fetch first (before shards): the index or the single checkpoint. */
function chooseWeights(files: readonly string[], what: string): { index?: string; file?: string } {
  const top = files.filter((f) => !f.includes('/'));
  const indexes = top.filter((f) => f.endsWith('.safetensors.index.json'));
  const singles = top.filter((f) => f.endsWith('.safetensors'));
  if (indexes.includes('model.safetensors.index.json')) return { index: 'model.safetensors.index.json' };
  if (singles.includes('model.safetensors')) return { file: 'model.safetensors' };
  if (indexes.length === 1) return { index: indexes[0] as string };
  if (indexes.length === 0 && singles.length === 1) return { file: singles[0] as string };
  if (indexes.length === 0 && singles.length === 0) {
    throw new VizWizError(
      'NOT_FOUND',
      `${what} has no .safetensors weights (files: ${listNames([...files])}); pick a revision that has them (e.g. @refs/pr/N with a safetensors conversion) or pass a local folder`,
    );
  }
  throw new VizWizError(
    'INVALID_CHECKPOINT',
    `${what} has several candidate checkpoints (${listNames([...indexes, ...singles])}); download the one to use and pass it as a local file`,
  );
}

async function resolveLocal(path: string): Promise<ResolvedSource> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new VizWizError('NOT_FOUND', `model source ${path}: no such folder or file (pass a folder with config.json and safetensors weights, or hf:org/repo)`);
  }
  return { source: path, dir: isDir ? path : dirname(path), weights: checkpointPath(await findCheckpoint(path)) };
}

/** The one path that names a checkpoint: its index when sharded, else its file. */
function checkpointPath(c: CheckpointFiles): string {
  return c.index ?? (c.files[0] as string);
}

async function fetchInto(client: HubClient, repo: string, commit: string, file: string, dir: string, log: (l: string) => void, what: string): Promise<void> {
  const dest = join(dir, file);
  if (await pathExists(dest)) return;
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.incomplete-${process.pid}`;
  log(`downloading ${what}: ${file}`);
  try {
    await client.download(repo, commit, file, tmp);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function resolveModelSource(source: string, options: ResolveOptions = {}): Promise<ResolvedSource> {
  const spec = parseModelSource(source);
  if (spec.kind === 'local') return resolveLocal(spec.path);
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? defaultCacheDir(env);
  const offline = options.offline ?? offlineFromEnv(env);
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const { repo, revision, text } = spec;

  const fromCache = async (): Promise<ResolvedSource | undefined> => {
    const commit = await cachedCommit(cacheDir, repo, revision);
    if (commit === undefined) return undefined;
    const dir = snapshotFolder(cacheDir, repo, commit);
    let checkpoint: CheckpointFiles;
    try {
      checkpoint = await findCheckpoint(dir);
    } catch {
      return undefined;
    }
    return { source: text, dir, weights: checkpointPath(checkpoint), repo, revision, commit };
  };

  if (offline || COMMIT_HASH.test(revision)) {
    const cached = await fromCache();
    if (cached) return cached;
    if (offline) {
      throw new VizWizError(
        'NOT_FOUND',
        `offline mode is on and ${text} is not in the cache at ${cacheDir}; run once with network access or pass a local folder`,
      );
    }
  }

  const client = options.client ?? createHubClient({ env });
  let snapshot;
  try {
    snapshot = await client.snapshot(repo, revision);
  } catch (err) {
    if (!(err instanceof HubUnreachable)) throw err;
    const cached = await fromCache();
    if (cached) {
      log(`${err.message}; using the cached snapshot ${cached.commit}`);
      return cached;
    }
    throw new VizWizError('NOT_FOUND', `${err.message}, and ${text} is not in the cache at ${cacheDir}; run once with network access or pass a local folder`, {
      cause: err,
    });
  }
  const { commit, files } = snapshot;
  const dir = snapshotFolder(cacheDir, repo, commit);
  const weights = chooseWeights(files, text);
  const wanted = new Set([...MODEL_FILES, ...(options.extraFiles ?? [])]);
  // Small files first and weights last, so a snapshot with complete weights is a complete snapshot.
  for (const f of files) if (wanted.has(f)) await fetchInto(client, repo, commit, f, dir, log, text);
  if (weights.index !== undefined) {
    await fetchInto(client, repo, commit, weights.index, dir, log, text);
    const listed = new Set(files);
    const indexPath = join(dir, weights.index);
    const shards = (await parseShardIndex(indexPath)).files.map((f) => basename(f));
    const absent = shards.filter((s) => !listed.has(s));
    if (absent.length > 0) {
      throw new VizWizError('INVALID_CHECKPOINT', `${text}: ${weights.index} names shards the repository lacks: ${listNames(absent)}`);
    }
    for (const s of shards) await fetchInto(client, repo, commit, s, dir, log, text);
    await readShardIndex(indexPath);
  } else if (weights.file !== undefined) {
    await fetchInto(client, repo, commit, weights.file, dir, log, text);
  }
  await writeRef(cacheDir, repo, revision, commit);
  return { source: text, dir, weights: weights.index !== undefined ? join(dir, weights.index) : join(dir, weights.file as string), repo, revision, commit };
}
