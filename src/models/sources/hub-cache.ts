/**
 * The on-disk cache of hub downloads, in the Hugging Face hub layout so other tools can share it:
 * `<cache>/models--org--repo/refs/<revision>` holds the commit a branch or tag pointed at when last resolved, and
 * `<cache>/models--org--repo/snapshots/<commit>/<file>` holds the files (plain files, each renamed into place when
 * complete). The cache folder is `VIZWIZ_CACHE` or `~/.cache/vizwiz/hub`; offline mode is `VIZWIZ_OFFLINE=1` or
 * `HF_HUB_OFFLINE=1` (or the caller's option).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../io/atomic-write.js';

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.VIZWIZ_CACHE?.trim();
  return fromEnv ? fromEnv : join(homedir(), '.cache', 'vizwiz', 'hub');
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/** True when VIZWIZ_OFFLINE or HF_HUB_OFFLINE is set to 1/true/yes/on. */
export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return truthy(env.VIZWIZ_OFFLINE) || truthy(env.HF_HUB_OFFLINE);
}

function repoFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, `models--${repo.split('/').join('--')}`);
}

export function snapshotFolder(cacheDir: string, repo: string, commit: string): string {
  return join(repoFolder(cacheDir, repo), 'snapshots', commit);
}

/** The commit a revision resolves to in the cache: the revision itself when it is a commit hash, else its ref file. */
export async function cachedCommit(cacheDir: string, repo: string, revision: string): Promise<string | undefined> {
  if (COMMIT_HASH.test(revision)) return revision;
  try {
    const commit = (await readFile(join(repoFolder(cacheDir, repo), 'refs', revision), 'utf8')).trim();
    return COMMIT_HASH.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

export async function writeRef(cacheDir: string, repo: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const path = join(repoFolder(cacheDir, repo), 'refs', revision);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, commit);
}
