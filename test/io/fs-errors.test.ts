/**
 * File-system errors become one-line user errors naming the path and what to do. Tests run as root, where chmod does
 * not deny writes, so the errno mapping is checked on synthetic errors shaped like Node's (code + path); the ENOTDIR
 * case also runs for real, through ensureWritableFolder and the CLI (test/cli/hostile-inputs.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { VizWizError } from '../../src/errors.js';
import { writeAtomically, writeFileAtomic } from '../../src/io/atomic-write.js';
import { fileSystemError } from '../../src/io/fs-errors.js';
import { ensureWritableFileLocation, ensureWritableFolder } from '../../src/io/writable-folder.js';

/** An error as Node's fs reports it. */
function errno(code: string, path?: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: synthetic${path ? `, open '${path}'` : ''}`);
  err.code = code;
  if (path !== undefined) err.path = path;
  return err;
}

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vizwiz-fs-errors-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileSystemError', () => {
  it('maps ENOTDIR, EACCES, EROFS and ENOSPC to one line naming the path and what to do', () => {
    const cases: [string, string][] = [
      ['ENOTDIR', '/data/file.txt/run: part of this path is a file, not a folder (ENOTDIR): choose another path, or move that file away'],
      ['EACCES', '/data/file.txt/run: permission denied (EACCES): choose a path you may use, or change its permissions'],
      ['EROFS', '/data/file.txt/run: the file system is read-only (EROFS): choose a folder on a writable disk'],
      [
        'ENOSPC',
        '/data/file.txt/run: no space left on the disk (ENOSPC): free some space or choose a folder on another disk, then rerun (finished work is kept)',
      ],
    ];
    for (const [code, message] of cases) {
      const err = fileSystemError(errno(code, '/data/file.txt/run'));
      assert.ok(err instanceof VizWizError);
      assert.equal(err.code, 'FILE_SYSTEM');
      assert.equal(err.message, message);
    }
  });

  it('names the given path when the error has none (a write through an open file), and maps nothing else', () => {
    assert.equal(
      fileSystemError(errno('ENOSPC'), '/runs/a/state.json')?.message,
      '/runs/a/state.json: no space left on the disk (ENOSPC): free some space or choose a folder on another disk, then rerun (finished work is kept)',
    );
    assert.equal(fileSystemError(errno('ENOENT', '/x')), undefined);
    assert.equal(fileSystemError(new TypeError('a bug')), undefined);
    assert.equal(fileSystemError('EACCES'), undefined);
  });
});

describe('writeAtomically on a failing disk', () => {
  it('names the target of a full disk, removes its temp file and leaves the old file intact', async () => {
    const target = join(dir, 'state.json');
    await writeFileAtomic(target, 'old');
    await assert.rejects(
      writeAtomically(target, async (tmp) => {
        await writeFile(tmp, 'half of the new');
        throw errno('ENOSPC');
      }),
      {
        code: 'FILE_SYSTEM',
        message: `${target}: no space left on the disk (ENOSPC): free some space or choose a folder on another disk, then rerun (finished work is kept)`,
      },
    );
    assert.equal(await readFile(target, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['state.json']);
  });
});

describe('ensureWritableFolder', () => {
  it('creates a missing folder, and refuses a path under a file (ENOTDIR) or a file, naming both', async () => {
    const fresh = join(dir, 'new', 'run');
    await ensureWritableFolder(fresh, '--out');
    assert.ok((await stat(fresh)).isDirectory());
    const file = join(dir, 'file.txt');
    await writeFile(file, 'x');
    await assert.rejects(ensureWritableFolder(join(file, 'run'), '--out'), {
      code: 'FILE_SYSTEM',
      message: `--out ${join(file, 'run')}: ${file} is a file, not a folder (ENOTDIR): choose another --out, or move that file away`,
    });
    await assert.rejects(ensureWritableFolder(file, '--out'), {
      code: 'FILE_SYSTEM',
      message: `${file}: --out must be a folder, but this is a file: choose another --out`,
    });
    await assert.rejects(ensureWritableFileLocation(dir, '--out'), {
      code: 'FILE_SYSTEM',
      message: `${dir}: --out must be a file, but this is a folder: choose a file path`,
    });
  });
});
