/**
 * Which shard a process computes: `--shard i/n` (i from 0 to n-1) or `--shard auto/n`, where the index comes from the
 * scheduler - Kubernetes Indexed Jobs set JOB_COMPLETION_INDEX in each pod, Slurm job arrays set SLURM_ARRAY_TASK_ID
 * in each task (both count from 0 when the array is written `--array=0-(n-1)`). A bad value is refused before any
 * work starts, naming the option or the variable and the range it must be in.
 */
import { VizWizError } from '../errors.js';

export interface ShardSpec {
  /** 0 <= index < count. */
  readonly index: number;
  readonly count: number;
}

/** The scheduler variables `auto` reads, in the order it reads them. */
const SHARD_INDEX_VARIABLES = [
  { name: 'JOB_COMPLETION_INDEX', what: 'a Kubernetes Indexed Job', fix: (n: number) => `set completions: ${n} and completionMode: Indexed` },
  { name: 'SLURM_ARRAY_TASK_ID', what: 'a Slurm job array', fix: (n: number) => `submit with --array=0-${n - 1}` },
] as const;

/** Largest shard count accepted: far more pods than any dataset needs, small enough to catch a typo. */
const MAX_SHARDS = 100_000;

/** "2/3" (0-based index). */
export function shardLabel(s: ShardSpec): string {
  return `${s.index}/${s.count}`;
}

function whole(raw: string): number | undefined {
  return /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : undefined;
}

/** Parses `--shard i/n` or `--shard auto/n` (`env` is read for auto). */
export function parseShard(raw: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const m = /^\s*(\d+|auto)\s*\/\s*(\d+)\s*$/.exec(raw);
  const count = m ? whole(m[2]!) : undefined;
  if (!m || count === undefined || count < 1 || count > MAX_SHARDS) {
    throw new VizWizError('USAGE', `--shard must be i/n (n shards from 1 to ${MAX_SHARDS}, i from 0 to n-1, e.g. 0/3) or auto/n, got "${raw}"`);
  }
  if (m[1] !== 'auto') {
    const index = Number(m[1]);
    if (index >= count) throw new VizWizError('USAGE', `--shard ${raw.trim()}: the index must be from 0 to ${count - 1} (shards count from 0)`);
    return { index, count };
  }
  const found = SHARD_INDEX_VARIABLES.find((v) => env[v.name] !== undefined && env[v.name] !== '');
  if (!found) {
    const names = SHARD_INDEX_VARIABLES.map((v) => `${v.name} (${v.what})`).join(' nor ');
    throw new VizWizError('INVALID_ARGUMENT', `--shard auto/${count}: neither ${names} is set; run it as one of those, or pass --shard i/${count}`);
  }
  const value = env[found.name]!;
  const index = whole(value);
  if (index === undefined || index >= count) {
    throw new VizWizError(
      'INVALID_ARGUMENT',
      `--shard auto/${count}: ${found.name} is "${value}", expected a shard index from 0 to ${count - 1} (${found.fix(count)})`,
    );
  }
  return { index, count };
}
