/**
 * The early check of an output location: before a command does any work, its output folder must be (or be creatable
 * as) a folder this process can write to, so that a typo or a read-only disk fails in a second with a clear message
 * rather than with a stack trace after an hour of training.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VizWizError } from '../errors.js';
import { fileSystemError } from './fs-errors.js';

/** Creates `dir` when missing and checks that it is a writable folder; `flag` ("--out") names the option in messages. */
export async function ensureWritableFolder(dir: string, flag: string): Promise<void> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) {
    throw new VizWizError('FILE_SYSTEM', `${dir}: ${flag} must be a folder, but this is a file: choose another ${flag}`);
  }
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      const file = await firstFileOnPath(dir);
      if (file !== undefined) {
        throw new VizWizError('FILE_SYSTEM', `${flag} ${dir}: ${file} is a file, not a folder (ENOTDIR): choose another ${flag}, or move that file away`, {
          cause: err,
        });
      }
    }
    throw asOutputError(err, dir, flag) ?? err;
  }
}

/** The first ancestor of `dir` (or `dir` itself) that exists but is not a folder. */
async function firstFileOnPath(dir: string): Promise<string | undefined> {
  const chain: string[] = [];
  for (let p = dir; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    const s = await stat(p).catch(() => undefined);
    if (s === undefined) return undefined;
    if (!s.isDirectory()) return p;
  }
  return undefined;
}

/** Checks that `file` can be written: its folder is made and writable, and `file` itself is not a folder. */
export async function ensureWritableFileLocation(file: string, flag: string): Promise<void> {
  if ((await stat(file).catch(() => undefined))?.isDirectory()) {
    throw new VizWizError('FILE_SYSTEM', `${file}: ${flag} must be a file, but this is a folder: choose a file path`);
  }
  await ensureWritableFolder(dirname(file), flag);
}

/** A mapped file-system error, with the option it concerns named in front ("--out /x/y: permission denied ..."). */
function asOutputError(err: unknown, dir: string, flag: string): VizWizError | undefined {
  const mapped = fileSystemError(err, (err as NodeJS.ErrnoException).path ?? dir);
  return mapped && new VizWizError('FILE_SYSTEM', `${flag} ${mapped.message}`, { cause: err });
}
