/** `--shard i/n` and `--shard auto/n`: the scheduler variables, and the exact errors for bad values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VizWizError } from '../../src/errors.js';
import { parseShard, shardLabel } from '../../src/shards/spec.js';

const fails = (raw: string, env: NodeJS.ProcessEnv, code: string, message: string): void => {
  assert.throws(
    () => parseShard(raw, env),
    (e: unknown) => e instanceof VizWizError && e.code === code && e.message === message,
  );
};

test('i/n is read as written; auto/n takes the Kubernetes index, else the Slurm one', () => {
  assert.deepEqual(parseShard('2/3', {}), { index: 2, count: 3 });
  assert.deepEqual(parseShard(' 0 / 1 ', {}), { index: 0, count: 1 });
  assert.deepEqual(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3' }), { index: 3, count: 4 });
  assert.deepEqual(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '1' }), { index: 1, count: 4 });
  assert.deepEqual(parseShard('auto/4', { JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '2' }), { index: 0, count: 4 });
  assert.equal(shardLabel({ index: 2, count: 3 }), '2/3');
});

test('bad values are refused naming the option or the variable and the range', () => {
  fails('3/3', {}, 'USAGE', '--shard 3/3: the index must be from 0 to 2 (shards count from 0)');
  for (const raw of ['1', '1/0', 'a/3', '-1/3', '1/3/4']) {
    fails(raw, {}, 'USAGE', `--shard must be i/n (n shards from 1 to 100000, i from 0 to n-1, e.g. 0/3) or auto/n, got "${raw}"`);
  }
  fails(
    'auto/3',
    {},
    'INVALID_ARGUMENT',
    '--shard auto/3: neither JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (a Slurm job array) is set; run it as one of those, or pass --shard i/3',
  );
  fails(
    'auto/3',
    { SLURM_ARRAY_TASK_ID: '3' },
    'INVALID_ARGUMENT',
    '--shard auto/3: SLURM_ARRAY_TASK_ID is "3", expected a shard index from 0 to 2 (submit with --array=0-2)',
  );
  fails(
    'auto/2',
    { JOB_COMPLETION_INDEX: 'x' },
    'INVALID_ARGUMENT',
    '--shard auto/2: JOB_COMPLETION_INDEX is "x", expected a shard index from 0 to 1 (set completions: 2 and completionMode: Indexed)',
  );
});
