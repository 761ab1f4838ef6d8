/**
 * Whether a set of shard files can be merged: they must come from one job (same kind, assignment, shard count, inputs
 * and model) and cover every row exactly once. Every problem is collected and reported in one message, by shard:
 *   foreign shard F (1/3): made from other inputs (source 1a2b..., the rest 3c4d...)
 *   shard 1/3 is in 2 files: A, B
 *   missing shard 2/3
 * The reference job is the one most files belong to (the first file's on a tie), so one stray file is named as the
 * foreign one. A shard whose rows do not belong to its index (edited, or written by another version) is foreign too.
 */
import { listNames, VizWizError } from '../errors.js';
import { shardOf } from './assign.js';
import type { ShardKind, ShardManifest } from './manifest.js';

export interface ShardInput {
  readonly file: string;
  readonly manifest: ShardManifest;
}

const short = (fingerprint: string): string => fingerprint.slice(0, 12);
const label = (m: ShardManifest): string => `${m.index}/${m.count}`;

function jobKey(m: ShardManifest): string {
  return JSON.stringify([m.kind, m.assignment, m.count, m.total, m.source, m.model]);
}

/** Why `m` does not belong to the job of `ref`, or undefined when it does. */
function foreignReason(m: ShardManifest, ref: ShardManifest): string | undefined {
  if (m.kind !== ref.kind) return `a ${m.kind} shard, the rest are ${ref.kind} shards`;
  if (m.assignment !== ref.assignment) return `assigned by ${m.assignment}, the rest by ${ref.assignment}`;
  if (m.count !== ref.count) return `one of ${m.count} shards, the rest are of ${ref.count}`;
  if (m.source !== ref.source || m.total !== ref.total) {
    return `made from other inputs (source ${short(m.source)} with ${m.total} rows, the rest ${short(ref.source)} with ${ref.total})`;
  }
  if (m.model !== ref.model) return `made with another model or settings (model ${short(m.model)}, the rest ${short(ref.model)})`;
  return undefined;
}

/** A row of `m` that is not one of its shard's, described; undefined when all are. */
function misplacedRow(m: ShardManifest): string | undefined {
  for (let k = 0; k < m.rows.length; k++) {
    const row = m.rows[k]!;
    const id = m.ids[k]!;
    if (row >= m.total || (k > 0 && row <= m.rows[k - 1]!)) return `row ${row} (${id}) is out of order or past the ${m.total} rows`;
    const owner = shardOf(id, m.count);
    if (owner !== m.index) return `row ${row} (${id}) belongs to shard ${owner}/${m.count}`;
  }
  return undefined;
}

/**
 * Checks that `inputs` are the complete shards of one job of `kind`; returns them ordered by shard index.
 * Throws a VizWizError listing every foreign, duplicated and missing shard.
 */
export function checkCoverage(inputs: readonly ShardInput[], kind: ShardKind, out: string): ShardInput[] {
  const fail = (problems: string[]): never => {
    throw new VizWizError('INVALID_ARGUMENT', `cannot merge ${inputs.length} shard file(s) into ${out}: ${problems.join('; ')}`);
  };
  if (inputs.length === 0) fail(['no shard files given']);
  const counts = new Map<string, number>();
  for (const s of inputs) counts.set(jobKey(s.manifest), (counts.get(jobKey(s.manifest)) ?? 0) + 1);
  const best = Math.max(...counts.values());
  const ref = inputs.find((s) => counts.get(jobKey(s.manifest)) === best)!.manifest;

  const problems: string[] = [];
  const members: ShardInput[] = [];
  for (const s of inputs) {
    const why = s.manifest.kind !== kind ? `a ${s.manifest.kind} shard, not ${kind}` : (foreignReason(s.manifest, ref) ?? misplacedRow(s.manifest));
    if (why) problems.push(`foreign shard ${s.file} (${label(s.manifest)}): ${why}`);
    else members.push(s);
  }
  const byIndex = new Map<number, ShardInput[]>();
  for (const s of members) byIndex.set(s.manifest.index, [...(byIndex.get(s.manifest.index) ?? []), s]);
  for (const [index, files] of [...byIndex].sort(([a], [b]) => a - b)) {
    if (files.length > 1) problems.push(`shard ${index}/${ref.count} is in ${files.length} files: ${files.map((f) => f.file).join(', ')}`);
  }
  const missing: string[] = [];
  for (let i = 0; i < ref.count; i++) if (!byIndex.has(i)) missing.push(`${i}/${ref.count}`);
  if (missing.length > 0) problems.push(`missing shard${missing.length > 1 ? 's' : ''} ${listNames(missing, 20)}`);
  if (problems.length > 0) fail(problems);

  // one file per index, each holding only its own rows: a row can only be missing from a shard that lost it
  const seen = new Uint8Array(ref.total);
  for (const s of members) for (const r of s.manifest.rows) seen[r] = 1;
  const lost = [...seen.keys()].filter((r) => seen[r] === 0).map(String);
  if (lost.length > 0) fail([`${lost.length} row(s) are in no shard: ${listNames(lost)}`]);
  return members.sort((a, b) => a.manifest.index - b.manifest.index);
}
