/**
 * The run lock (src/io/run-lock.ts): a second process on a locked folder fails with the exact "in use" message; a
 * lock left by a dead process of this host is taken over, one of another host is not; the lock is gone after a normal
 * exit (without release()) and after SIGINT / SIGTERM, which still end the process as a signal does.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { acquireRunLock, lockFileFor, type LockOwner } from '../../src/io/run-lock.js';

const holder = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));
let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizwiz-lock-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const dir = join(root, `run-${++n}`);
  await mkdir(dir);
  return dir;
}

/** Starts a child that takes the lock of `dir`; resolves once it has printed "locked". */
async function startHolder(dir: string, mode: 'hold' | 'exit'): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (text: string) => {
      out += text;
      if (out.includes('locked\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code} before locking`)));
  });
  return child;
}

/** A pid that no process has any more: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.ok(r.pid !== undefined && r.pid > 0);
  return r.pid;
}

async function owner(dir: string): Promise<LockOwner> {
  return JSON.parse(await readFile(lockFileFor(dir, 'folder'), 'utf8')) as LockOwner;
}

describe('run lock', () => {
  it('a second process on the folder fails with "in use by process N"; SIGTERM releases the lock', async () => {
    const dir = await folder();
    const child = await startHolder(dir, 'hold');
    try {
      const held = await owner(dir);
      assert.equal(held.pid, child.pid);
      assert.equal(held.hostname, hostname());
      assert.throws(() => acquireRunLock(dir, { kind: 'folder' }), {
        code: 'IN_USE',
        message: `${dir} is in use by process ${child.pid} (vizwiz test), running since ${held.startedAt}: wait for it to finish or stop it, or choose another output; if that run is gone, delete ${lockFileFor(dir, 'folder')}`,
      });
    } finally {
      child.kill('SIGTERM');
    }
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.deepEqual([code, signal], [null, 'SIGTERM'], 'the process still dies of the signal');
    assert.equal(existsSync(lockFileFor(dir, 'folder')), false);
    acquireRunLock(dir, { kind: 'folder' }).release();
  });

  it('SIGINT releases the lock too', async () => {
    const dir = await folder();
    const child = await startHolder(dir, 'hold');
    child.kill('SIGINT');
    const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    assert.equal(signal, 'SIGINT');
    assert.equal(existsSync(lockFileFor(dir, 'folder')), false);
  });

  it('the lock is gone after a normal exit that never called release()', async () => {
    const dir = await folder();
    const child = await startHolder(dir, 'exit');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.equal(existsSync(lockFileFor(dir, 'folder')), false);
  });

  it('takes over a stale lock of a dead process on this host', async () => {
    const dir = await folder();
    const file = lockFileFor(dir, 'folder');
    const dead = deadPid();
    await writeFile(file, JSON.stringify({ pid: dead, hostname: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    const lock = acquireRunLock(dir, { kind: 'folder', command: 'vizwiz train' });
    const taken = await owner(dir);
    assert.equal(taken.pid, process.pid);
    assert.equal(taken.command, 'vizwiz train');
    lock.release();
    assert.equal(existsSync(file), false);
  });

  it('refuses a lock of another host even when its pid is not running here, and says how to remove it', async () => {
    const dir = await folder();
    const file = lockFileFor(dir, 'folder');
    const dead = deadPid();
    await writeFile(file, JSON.stringify({ pid: dead, hostname: 'other-host.example', startedAt: '2020-01-01T00:00:00.000Z' }));
    assert.throws(() => acquireRunLock(dir, { kind: 'folder' }), {
      code: 'IN_USE',
      message:
        `${dir} is in use by process ${dead} on host other-host.example, running since 2020-01-01T00:00:00.000Z: ` +
        `wait for it to finish or stop it, or choose another output; if that run is gone, delete ${file}`,
    });
    assert.equal((await owner(dir)).hostname, 'other-host.example', 'left as it was');
  });

  it('locks an output file beside it; release() removes only its own lock', async () => {
    const target = join(await folder(), 'train.safetensors');
    const lock = acquireRunLock(target, { kind: 'file' });
    assert.equal(lock.file, `${target}.lock`);
    assert.throws(() => acquireRunLock(target, { kind: 'file' }), { code: 'IN_USE' });
    // a person deleted the lock and another run took it: releasing ours must not remove theirs
    const theirs = { pid: process.pid, hostname: hostname(), startedAt: '2030-01-01T00:00:00.000Z' };
    await writeFile(lock.file, JSON.stringify(theirs));
    lock.release();
    assert.deepEqual(JSON.parse(await readFile(lock.file, 'utf8')), theirs);
  });
});
