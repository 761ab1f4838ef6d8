/**
 * The WebGPU suite's list (test/webgpu/tests.txt, run by `npm run test:webgpu`) stays complete: every golden test is
 * in it, every test that takes its sessions from the device switch (test/helpers/device.ts) is in it and every
 * listed file exists - so a new golden test cannot silently stay CPU-only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listedTests } from './webgpu/run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const listed = listedTests(readFileSync(path.join(root, 'test', 'webgpu', 'tests.txt'), 'utf8'));

function testFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? testFiles(rel) : e.name.endsWith('.test.ts') ? [rel] : [];
  });
}

const all = testFiles('test');

test('every listed file exists, once', () => {
  assert.deepEqual(
    listed.filter((f) => !existsSync(path.join(root, f))),
    [],
  );
  assert.equal(new Set(listed).size, listed.length);
});

test('every golden test and every test on the device switch is listed', () => {
  const golden = all.filter((f) => /golden/.test(path.basename(f)));
  assert.ok(golden.length >= 8, `found ${golden.length} golden tests`);
  const switched = all.filter((f) => !f.startsWith('test/webgpu/') && /helpers\/device\.js'/.test(readFileSync(path.join(root, f), 'utf8')));
  assert.deepEqual(
    [...golden, ...switched].filter((f) => !listed.includes(f)),
    [],
  );
});

test('every listed test outside test/webgpu/ runs its sessions on the device switch', () => {
  const unswitched = listed.filter((f) => !f.startsWith('test/webgpu/') && !/onTestDevice\(/.test(readFileSync(path.join(root, f), 'utf8')));
  assert.deepEqual(unswitched, []);
});
