/**
 * Provenance lists the installed version of every runtime dependency, also of packages whose `exports` map hides
 * their package.json from require (commander, sharp, @huggingface/hub, @huggingface/tokenizers were "unknown").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dependencyVersions, installedVersion, provenance } from '../src/provenance.js';

const root = join(import.meta.dirname, '..');
const readJson = (file: string): { version: string; dependencies: Record<string, string> } =>
  JSON.parse(readFileSync(file, 'utf8')) as { version: string; dependencies: Record<string, string> };

test('every dependency has its installed version, read from its own package.json', () => {
  const names = Object.keys(readJson(join(root, 'package.json')).dependencies);
  const expected = Object.fromEntries(names.map((n) => [n, readJson(join(root, 'node_modules', n, 'package.json')).version]));
  assert.deepEqual(dependencyVersions(), expected);
  for (const hidden of ['commander', 'sharp', '@huggingface/hub', '@huggingface/tokenizers']) {
    assert.match(expected[hidden] ?? '', /^\d+\.\d+\.\d+/, hidden);
  }
  assert.equal(provenance().vizwiz, readJson(join(root, 'package.json')).version);
});

test('a package that is not installed has no version', () => {
  assert.equal(installedVersion('vizwiz-no-such-package'), undefined);
});
