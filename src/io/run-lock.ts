/**
 * One process at a time owns a run folder (or an output file): a lock file created with O_EXCL holds the owner's pid,
 * host name and start time. A second run on the same output fails at once with "... is in use by process N ...",
 * instead of two runs renaming, pruning and resuming each other's files. A lock whose process is dead on this host
 * (killed with -9, machine crash) is stale and taken over. The lock is released when the run ends: by `release()`,
 * and on process exit or SIGINT/SIGTERM, so an interrupted run does not leave it behind.
 *
 * A lock of another host (a shared network folder) cannot be checked for staleness: the message says how to remove it.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { fileSystemError } from './fs-errors.js';
import { isProcessAlive } from './process-alive.js';

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** The command that holds it ("vizwiz train"), for messages. */
  command?: string;
}

/** The lock of a folder lives inside it; the lock of a file beside it. */
export function lockFileFor(target: string, kind: 'folder' | 'file'): string {
  return kind === 'folder' ? join(target, '.vizwiz.lock') : `${target}.lock`;
}

export interface RunLock {
  /** The locked folder or file. */
  readonly target: string;
  /** The lock file. */
  readonly file: string;
  /** Removes the lock file (once; later calls do nothing). */
  release(): void;
}

export interface RunLockOptions {
  /** Whether `target` is a run folder (lock inside it; the folder must exist) or an output file (lock beside it). */
  kind: 'folder' | 'file';
  /** Recorded in the lock file and shown to a second run. */
  command?: string;
}

/** Locks held by this process, released on exit and on SIGINT/SIGTERM. */
const held = new Set<RunLock>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Releases every lock this process holds (the CLI does so when a command ends, however it ends). */
export function releaseHeldLocks(): void {
  for (const lock of [...held]) lock.release();
}

/** On a signal: release the locks, then die of the signal as if unhandled, unless someone else also handles it. */
function onSignal(signal: NodeJS.Signals): void {
  releaseHeldLocks();
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function watchExit(): void {
  if (held.size !== 1) return;
  process.on('exit', releaseHeldLocks);
  for (const signal of SIGNALS) process.once(signal, onSignal);
}

function unwatchExit(): void {
  if (held.size !== 0) return;
  process.off('exit', releaseHeldLocks);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** How long to wait for a lock file that exists but is still empty (its owner is between create and write). */
const UNREADABLE_RETRIES = 20;
const RETRY_MS = 50;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The owner recorded in `file`, undefined when it is gone, or 'unreadable' when it is not a lock file's content. */
function readOwner(file: string): LockOwner | undefined | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileSystemError(err) ?? err;
  }
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isSafeInteger(owner.pid) && typeof owner.hostname === 'string' && typeof owner.startedAt === 'string') {
      return owner as LockOwner;
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

function inUse(target: string, file: string, owner: LockOwner): VizWizError {
  const who = owner.command ? ` (${owner.command})` : '';
  const host = owner.hostname === hostname() ? '' : ` on host ${owner.hostname}`;
  // the hint matters for another host's lock (its process cannot be checked from here) and for a reused pid
  return new VizWizError(
    'IN_USE',
    `${target} is in use by process ${owner.pid}${who}${host}, running since ${owner.startedAt}: ` +
      `wait for it to finish or stop it, or choose another output; if that run is gone, delete ${file}`,
  );
}

/** Creates the lock file with O_EXCL; false when it already exists. */
function tryCreate(file: string, owner: LockOwner): boolean {
  try {
    writeFileSync(file, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileSystemError(err) ?? err;
  }
}

/**
 * Takes the lock of `target`, or throws IN_USE naming it and the process that holds it. A stale lock (its process is
 * dead on this host) is taken over.
 */
export function acquireRunLock(target: string, options: RunLockOptions): RunLock {
  const file = lockFileFor(target, options.kind);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    ...(options.command !== undefined ? { command: options.command } : {}),
  };
  let unreadable = 0;
  while (!tryCreate(file, owner)) {
    const current = readOwner(file);
    if (current === undefined) continue; // released meanwhile: try again
    if (current === 'unreadable') {
      // an owner between create and write; or a damaged file, which only a person can judge
      if (++unreadable > UNREADABLE_RETRIES) {
        throw new VizWizError('IN_USE', `${target} may be in use: its lock file ${file} is unreadable; if no other vizwiz run uses it, delete ${file}`);
      }
      sleepSync(RETRY_MS);
      continue;
    }
    if (current.hostname !== owner.hostname || isProcessAlive(current.pid)) throw inUse(target, file, current);
    // stale: its process died without releasing it (kill -9, crash); remove it and race for a fresh one
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fileSystemError(err) ?? err;
    }
  }
  let released = false;
  const lock: RunLock = {
    target,
    file,
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      unwatchExit();
      // remove it only while it is still ours (a person may have deleted it and another run taken it)
      const current = readOwner(file);
      if (current !== undefined && current !== 'unreadable' && current.pid === owner.pid && current.startedAt === owner.startedAt) {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      }
    },
  };
  held.add(lock);
  watchExit();
  return lock;
}
