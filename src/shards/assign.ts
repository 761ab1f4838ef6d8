/**
 * Which shard a question belongs to: Lamping and Veach's jump consistent hash of the question id (its image name),
 * keyed by the first 8 bytes of the id's SHA-256. Every machine computes the same assignment from the id alone (no
 * shared state, no dependence on row order or on the other ids), the shards are balanced, and going from n to n + 1
 * shards moves only the ~1/(n+1) of the questions that land in the new shard - see docs/decisions/009-shard-assignment.md.
 */
import { createHash } from 'node:crypto';
import type { ShardSpec } from './spec.js';

/** The assignment's name and version, recorded in every shard manifest: shards of different schemes never merge. */
export const ASSIGNMENT = 'jump-sha256/1';

const MASK64 = (1n << 64n) - 1n;
const LCG = 2862933555777941757n;
const TWO_31 = 2 ** 31;

/** The 64-bit key of an id: the first 8 bytes of SHA-256(UTF-8 id), big-endian. */
export function shardKey(id: string): bigint {
  return createHash('sha256').update(id, 'utf8').digest().readBigUInt64BE(0);
}

/** Jump consistent hash (Lamping and Veach 2014, arXiv:1406.2294): the bucket in [0, buckets) of `key`. */
export function jumpHash(key: bigint, buckets: number): number {
  let k = key & MASK64;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = (k * LCG + 1n) & MASK64;
    // as the paper's C++: a double division, truncated (exact in IEEE doubles on every machine)
    j = Math.floor((b + 1) * (TWO_31 / Number((k >> 33n) + 1n)));
  }
  return b;
}

/** The shard of question `id` among `count`. */
export function shardOf(id: string, count: number): number {
  return count === 1 ? 0 : jumpHash(shardKey(id), count);
}

/** The rows (indices into `ids`, ascending) that belong to shard `spec`. */
export function shardRows(ids: readonly string[], spec: ShardSpec): number[] {
  const rows: number[] = [];
  ids.forEach((id, row) => {
    if (shardOf(id, spec.count) === spec.index) rows.push(row);
  });
  return rows;
}

/** The questions of shard `spec` and their rows in the whole list; the whole list when `spec` is undefined. */
export function selectShard<T extends { image: string }>(all: readonly T[], spec: ShardSpec | undefined): { rows: number[]; items: T[] } {
  if (!spec) return { rows: all.map((_, i) => i), items: [...all] };
  const rows = shardRows(
    all.map((q) => q.image),
    spec,
  );
  return { rows, items: rows.map((r) => all[r]!) };
}
