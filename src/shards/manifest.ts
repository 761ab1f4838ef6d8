/**
 * The manifest every shard file carries: what it is a part of and which rows it holds, so that `vizwiz merge` can
 * check that shards belong together (same inputs, same model, same split) and cover every question exactly once,
 * without the annotation file. A retried pod writes the same manifest again (it is a function of its inputs only).
 */
import { z } from 'zod';
import { VizWizError } from '../errors.js';
import { ASSIGNMENT } from './assign.js';
import type { ShardSpec } from './spec.js';

const SHARD_FORMAT = 'vizwiz-shard/1';
/** Where a shard file keeps its manifest: a member of a prediction shard's JSON, a metadata key of a feature shard. */
export const SHARD_MANIFEST_KEY = 'vizwiz_shard';
const SHARD_KINDS = ['features', 'predictions'] as const;
export type ShardKind = (typeof SHARD_KINDS)[number];

const hex = z.string().regex(/^[0-9a-f]{64}$/);

const manifestSchema = z.object({
  format: z.literal(SHARD_FORMAT),
  kind: z.enum(SHARD_KINDS),
  index: z.number().int().min(0),
  count: z.number().int().min(1),
  /** The assignment scheme (assign.ts). */
  assignment: z.string(),
  /** Fingerprint of the job's inputs: the whole question list (and a features file, for heads). */
  source: hex,
  /** Fingerprint of the encoder or model and every setting that changes a row's values. */
  model: hex,
  /** Rows of the whole job (all shards). */
  total: z.number().int().min(0),
  /** This shard's rows: indices into the whole question list, ascending, and their ids (image names). */
  rows: z.array(z.number().int().min(0)),
  ids: z.array(z.string()),
});

export type ShardManifest = z.infer<typeof manifestSchema> & { kind: ShardKind };

export interface ManifestInputs {
  source: string;
  model: string;
  total: number;
  rows: readonly number[];
  ids: readonly string[];
}

export function buildManifest(kind: ShardKind, spec: ShardSpec, m: ManifestInputs): ShardManifest {
  return {
    format: SHARD_FORMAT,
    kind,
    index: spec.index,
    count: spec.count,
    assignment: ASSIGNMENT,
    source: m.source,
    model: m.model,
    total: m.total,
    rows: [...m.rows],
    ids: [...m.ids],
  };
}

/** Validates a parsed manifest; `file` names the shard in messages. */
export function parseManifest(json: unknown, file: string): ShardManifest {
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(manifest)';
    throw new VizWizError('INVALID_ARGUMENT', `${file}: not a vizwiz shard (manifest ${field}: ${issue.message}); shards are written by --shard i/n`);
  }
  const m = parsed.data;
  if (m.ids.length !== m.rows.length || m.index >= m.count) {
    throw new VizWizError('INVALID_ARGUMENT', `${file}: damaged shard manifest (${m.rows.length} rows, ${m.ids.length} ids, shard ${m.index}/${m.count})`);
  }
  return m;
}
