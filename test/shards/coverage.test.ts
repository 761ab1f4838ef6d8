/**
 * Which shard files can be merged: exact messages for foreign shards (other inputs, another model, another split,
 * another kind, a row that is not the shard's), duplicated shards and missing shards, all listed in one error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VizWizError } from '../../src/errors.js';
import { selectShard } from '../../src/shards/assign.js';
import { checkCoverage, type ShardInput } from '../../src/shards/coverage.js';
import { buildManifest, type ShardKind } from '../../src/shards/manifest.js';

const questions = Array.from({ length: 30 }, (_, i) => ({ image: `VizWiz_val_${String(i).padStart(8, '0')}.jpg`, question: 'q' }));
const SOURCE = 'a'.repeat(64);
const MODEL = 'b'.repeat(64);

function shard(index: number, count = 3, o: { source?: string; model?: string; kind?: ShardKind; file?: string } = {}): ShardInput {
  const { rows, items } = selectShard(questions, { index, count });
  const manifest = buildManifest(
    o.kind ?? 'features',
    { index, count },
    {
      source: o.source ?? SOURCE,
      model: o.model ?? MODEL,
      total: questions.length,
      rows,
      ids: items.map((q) => q.image),
    },
  );
  return { file: o.file ?? `s${index}-of-${count}.safetensors`, manifest };
}

const rejects = (inputs: ShardInput[], message: string): void => {
  assert.throws(
    () => checkCoverage(inputs, 'features', 'out.safetensors'),
    (e: unknown) => e instanceof VizWizError && e.message === message,
  );
};

test('complete shards of one job are returned in shard order', () => {
  const merged = checkCoverage([shard(2), shard(0), shard(1)], 'features', 'out.safetensors');
  assert.deepEqual(
    merged.map((s) => s.manifest.index),
    [0, 1, 2],
  );
  assert.equal(
    merged.reduce((n, s) => n + s.manifest.rows.length, 0),
    30,
  );
});

test('missing and duplicated shards are named', () => {
  rejects([shard(0), shard(2)], 'cannot merge 2 shard file(s) into out.safetensors: missing shard 1/3');
  rejects([shard(0)], 'cannot merge 1 shard file(s) into out.safetensors: missing shards 1/3, 2/3');
  rejects(
    [shard(0), shard(1), shard(1, 3, { file: 'copy.safetensors' }), shard(2)],
    'cannot merge 4 shard file(s) into out.safetensors: shard 1/3 is in 2 files: s1-of-3.safetensors, copy.safetensors',
  );
});

test('foreign shards are named with what differs, and leave a hole where they were', () => {
  rejects(
    [shard(0), shard(1, 3, { source: 'c'.repeat(64) }), shard(2)],
    'cannot merge 3 shard file(s) into out.safetensors: foreign shard s1-of-3.safetensors (1/3): made from other inputs ' +
      '(source cccccccccccc with 30 rows, the rest aaaaaaaaaaaa with 30); missing shard 1/3',
  );
  rejects(
    [shard(0), shard(1), shard(2, 3, { model: 'd'.repeat(64) })],
    'cannot merge 3 shard file(s) into out.safetensors: foreign shard s2-of-3.safetensors (2/3): made with another model or ' +
      'settings (model dddddddddddd, the rest bbbbbbbbbbbb); missing shard 2/3',
  );
  rejects(
    [shard(0), shard(1), shard(2), shard(1, 2)],
    'cannot merge 4 shard file(s) into out.safetensors: foreign shard s1-of-2.safetensors (1/2): one of 2 shards, the rest are of 3',
  );
  rejects(
    [shard(0), shard(1), shard(2, 3, { kind: 'predictions' })],
    'cannot merge 3 shard file(s) into out.safetensors: foreign shard s2-of-3.safetensors (2/3): a predictions shard, not features; missing shard 2/3',
  );
});

test('a shard holding a row of another shard is foreign', () => {
  const odd = shard(1);
  const stolen = shard(2).manifest;
  odd.manifest.rows = [...odd.manifest.rows, stolen.rows[stolen.rows.length - 1]!].sort((a, b) => a - b);
  odd.manifest.ids = odd.manifest.rows.map((r) => questions[r]!.image);
  const row = stolen.rows[stolen.rows.length - 1]!;
  rejects(
    [shard(0), odd, shard(2)],
    `cannot merge 3 shard file(s) into out.safetensors: foreign shard s1-of-3.safetensors (1/3): row ${row} (${questions[row]!.image}) belongs to shard 2/3; missing shard 1/3`,
  );
});
