/**
 * The CLI against hostile inputs and environments: every command with --out checks it before any work (a path under
 * a file is one line naming both, exit 1); every command with --device refuses an unusable device while parsing its
 * options, before any output is written; a second run on a locked output fails with "in use by process N"; a finished
 * run leaves no lock; an empty annotation file is refused. A few cases run the real CLI in a child process
 * (test/helpers/cli.ts); the per-command sweeps call runCli in this process, which is the same code without the
 * seconds of start-up per command.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { cliInProcess } from '../helpers/cli-in-process.js';
import { checkDevice } from '../../src/engine/device.js';
import { lockFileFor, type LockOwner } from '../../src/io/run-lock.js';
import { runVizwiz } from '../helpers/cli.js';

let root: string;
let file: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizwiz-hostile-'));
  file = join(root, 'a-file.txt');
  await writeFile(file, 'not a folder');
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

const cli = cliInProcess;

/** Arguments of each command that owns an output, with `out` as its --out (a folder, or a file inside it). */
function commandArgs(out: string): Record<string, string[]> {
  return {
    compare: ['compare', '--out', out],
    train: [
      'train',
      '--model',
      'baseline',
      '--train-annotations',
      'a.json',
      '--train-features',
      'a.safetensors',
      '--val-annotations',
      'b.json',
      '--val-features',
      'b.safetensors',
      '--out',
      out,
    ],
    finetune: [
      'finetune',
      '--model',
      'paligemma',
      '--base',
      'base',
      '--train-annotations',
      'a.json',
      '--train-images',
      'a',
      '--val-annotations',
      'b.json',
      '--val-images',
      'b',
      '--out',
      out,
    ],
    extract: ['extract', '--annotations', 'a.json', '--images', 'a', '--out', join(out, 'train.safetensors')],
    predict: ['predict', '--annotations', 'a.json', '--checkpoint', 'run', '--features', 'f', '--out', join(out, 'preds.json')],
    sample: ['sample', '--out', out],
  };
}

const ENOTDIR = (out: string): string => `vizwiz: --out ${out}: ${file} is a file, not a folder (ENOTDIR): choose another --out, or move that file away\n`;

describe('--out under a file (ENOTDIR)', () => {
  it('end to end: vizwiz train prints one line naming --out and the file, exit 1, no stack', () => {
    const out = join(file, 'run');
    const r = runVizwiz(commandArgs(out).train!);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, ENOTDIR(out));
    assert.equal(r.stdout, '');
  });

  it('every command with --out checks it before any work', async () => {
    const out = join(file, 'run');
    for (const [command, args] of Object.entries(commandArgs(out))) {
      const r = await cli(args);
      assert.equal(r.status, 1, command);
      assert.equal(r.stderr, ENOTDIR(out), command);
    }
  });
});

/** The error an unusable CUDA gives here, or undefined when this install can use CUDA. */
function cudaProblem(): string | undefined {
  try {
    checkDevice('cuda');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('--device that this install cannot use', () => {
  const problem = cudaProblem();
  const skip = problem === undefined ? 'this install can use CUDA' : false;

  it('end to end: vizwiz compare --device cuda fails before anything is written', { skip }, () => {
    const out = join(root, 'compare-cuda');
    const r = runVizwiz(['compare', '--device', 'cuda', '--out', out]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `vizwiz: ${problem}\n`);
    assert.equal(existsSync(out), false);
  });

  it('every command with --device checks it while parsing options, before any output exists', { skip }, async () => {
    const out = join(root, 'device');
    for (const [command, args] of Object.entries(commandArgs(out))) {
      if (command === 'sample') continue; // no --device
      const r = await cli([...args, '--device', 'cuda']);
      assert.equal(r.status, 1, command);
      assert.equal(r.stderr, `vizwiz: ${problem}\n`, command);
      assert.equal(existsSync(out), false, command);
    }
  });
});

/** A child process holding the lock of folder `dir` (test/io/lock-holder.ts) until it is killed. */
async function holdLock(dir: string): Promise<ChildProcess> {
  const holder = fileURLToPath(new URL('../io/lock-holder.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', holder, dir, 'hold'], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout!.setEncoding('utf8');
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (text: string) => (out += text).includes('locked\n') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

describe('two runs on one --out', () => {
  it('the second run fails with "in use by process N" naming the folder, leaving the first run\'s lock alone', async () => {
    const out = join(root, 'locked');
    await mkdir(out);
    const holder = await holdLock(out);
    try {
      const owner = JSON.parse(await readFile(lockFileFor(out, 'folder'), 'utf8')) as LockOwner;
      const expected =
        `vizwiz: ${out} is in use by process ${holder.pid} (vizwiz test), running since ${owner.startedAt}: ` +
        `wait for it to finish or stop it, or choose another output; if that run is gone, delete ${lockFileFor(out, 'folder')}\n`;
      const r = runVizwiz(commandArgs(out).train!);
      assert.equal(r.status, 1);
      assert.equal(r.stderr, expected);
      for (const command of ['compare', 'finetune', 'sample'] as const) {
        const again = await cli(commandArgs(out)[command]!);
        assert.equal(again.status, 1, command);
        assert.equal(again.stderr, expected, command);
      }
      assert.deepEqual(JSON.parse(await readFile(lockFileFor(out, 'folder'), 'utf8')), owner);
    } finally {
      holder.kill();
      await once(holder, 'exit');
    }
  });

  it('a finished run leaves no lock, and neither does a failed one', async () => {
    const out = join(root, 'sample');
    const done = await cli(['sample', '--out', out, '--n', '8', '--size', '64']);
    assert.equal(done.status, 0, done.stderr);
    assert.equal(existsSync(lockFileFor(out, 'folder')), false);
    assert.ok((await readdir(out)).includes('Annotations'));
    const failed = await cli(commandArgs(join(root, 'train-run')).train!);
    assert.equal(failed.status, 1);
    assert.equal(existsSync(lockFileFor(join(root, 'train-run'), 'folder')), false);
  });
});

describe('an empty annotation file', () => {
  it('extract refuses it instead of writing a 0-row feature file', async () => {
    const annotations = join(root, 'empty.json');
    await writeFile(annotations, '[]');
    await mkdir(join(root, 'images'));
    const out = join(root, 'empty-features', 'val.safetensors');
    const r = await cli(['extract', '--annotations', annotations, '--images', join(root, 'images'), '--out', out]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `vizwiz: ${annotations}: the file holds no entries (an empty array): give a VizWiz annotation file with at least one question\n`);
    assert.deepEqual(await readdir(join(root, 'empty-features')), []);
  });
});
