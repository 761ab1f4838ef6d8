/**
 * The identity of a cached stage of `vizwiz compare`: every input that decides its result (data content, model
 * weights, configuration), written as canonical JSON - object keys sorted, so the order in which options were
 * spread together never matters - and hashed with SHA-256. Two runs of a stage with the same key compute the same
 * thing; a different key means the cached output is stale.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys in code-point order at every level; `undefined` members are left out, as JSON does. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

/** SHA-256 (hex) of the canonical JSON of `inputs`. */
export function stageKey(inputs: unknown): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}
