/**
 * Temp files of atomic writes left by killed processes (`.<name>.<pid>.<n>.tmp`): the first write of a process into
 * a folder removes those whose process is dead, never those of a live process, nor anything else.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeJsonAtomic } from '../../src/io/atomic-write.js';
import { removeStaleTempFiles, tempFileOwner, tempPathFor } from '../../src/io/stale-temp-files.js';

let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'vizwiz-stale-tmp-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A pid that no process has any more: a child that has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  assert.ok(pid !== undefined && pid > 0);
  return pid;
}

describe('stale temp files', () => {
  it('names temp files as writeAtomically does and reads their pid back', () => {
    assert.equal(tempPathFor('/runs/a/state.json', 3, 4242), '/runs/a/.state.json.4242.3.tmp');
    assert.equal(tempFileOwner('.state.json.4242.3.tmp'), 4242);
    assert.equal(tempFileOwner('.state.json.tmp'), undefined);
    assert.equal(tempFileOwner('state.json.4242.3.tmp'), undefined);
  });

  it('the first write into a folder removes temp files of dead processes and keeps those of live ones', async () => {
    const dir = join(root, 'run');
    await mkdir(dir);
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const dead = deadPid();
      const names = {
        dead: `.params.safetensors.${dead}.7.tmp`,
        live: `.history.json.${live.pid}.2.tmp`,
        mine: `.results.json.${process.pid}.99.tmp`,
        other: '.notes.1.tmp.bak',
        data: 'history.json',
      };
      for (const name of Object.values(names)) await writeFile(join(dir, name), 'x');
      await writeJsonAtomic(join(dir, 'state.json'), { epoch: 1 });
      assert.deepEqual((await readdir(dir)).sort(), [names.live, names.mine, names.other, names.data, 'state.json'].sort());
    } finally {
      live.kill();
      await once(live, 'exit');
    }
    // now that process is dead too; a direct sweep removes its temp file
    assert.deepEqual(await removeStaleTempFiles(dir), [`.history.json.${live.pid}.2.tmp`]);
  });

  it('a missing folder has no stale temp files', async () => {
    assert.deepEqual(await removeStaleTempFiles(join(root, 'nowhere')), []);
  });
});
