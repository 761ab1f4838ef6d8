/**
 * Rebuilds the encoder a head was trained on from what its run recorded (src/train/encoder-record.ts): the registry
 * id, the weights source and the settings. A relative folder source is read from the working directory, or, when a
 * comparison wrote it (`runs/compare/models/tiny-clip`), from the `models/` folder of the run's comparison, so a
 * comparison can be served from anywhere. The rebuilt encoder must give features of the size the head expects.
 */
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { Device } from '../engine/device.js';
import { VizWizError } from '../errors.js';
import type { ImageTextEncoder } from '../models/encoder.js';
import { getEncoderSpec, loadEncoder } from '../features/registry.js';
import type { EncoderRecord } from '../train/encoder-record.js';

export interface RecordedEncoderOptions {
  device: Device;
  threads?: number;
  offline?: boolean;
  /** Folders that may hold a relative source's `models/<name>` (e.g. the comparison folder of the run). */
  roots?: readonly string[];
  /** Feature sizes the head was trained on, to check (and to size weight-free encoders). */
  dims: { image: number; text?: number };
  /** For messages: the run whose encoder this is. */
  owner: string;
}

/** A relative folder source as written by a run, found from here or under a root's models/ folder. */
export function locateSource(source: string, roots: readonly string[]): string {
  if (source.startsWith('hf:') || isAbsolute(source) || existsSync(source)) return source;
  for (const root of roots) {
    const candidate = join(root, 'models', basename(source));
    if (existsSync(candidate)) return candidate;
  }
  return source;
}

/** Architecture overrides: recorded `arch.*` entries, and the settings of weight-free encoders (sizes, seed...). */
function overridesOf(
  record: EncoderRecord,
  architecture: Readonly<Record<string, unknown>>,
  weightFree: boolean,
  dims: RecordedEncoderOptions['dims'],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (k.startsWith('arch.')) out[k.slice(5)] = JSON.parse(v);
  if (!weightFree) return out;
  for (const key of Object.keys(architecture)) {
    if (key in out) continue;
    if (key === 'imageDim') out[key] = dims.image;
    else if (key === 'textDim' && dims.text !== undefined) out[key] = dims.text;
    else if (record[key] !== undefined && Number.isFinite(Number(record[key]))) out[key] = Number(record[key]);
  }
  return out;
}

export async function loadRecordedEncoder(record: EncoderRecord, o: RecordedEncoderOptions): Promise<ImageTextEncoder> {
  const id = record.encoder;
  if (!id) throw new VizWizError('INVALID_CHECKPOINT', `${o.owner}: the run does not record its encoder`);
  const spec = getEncoderSpec(id);
  const weightFree = spec.defaultSource === undefined;
  const source = weightFree ? undefined : locateSource(record.source ?? (spec.defaultSource as string), o.roots ?? []);
  const overrides = overridesOf(record, spec.architecture, weightFree, o.dims);
  const encoder = await loadEncoder(id, {
    ...(source !== undefined ? { source } : {}),
    device: o.device,
    ...(o.threads !== undefined ? { threads: o.threads } : {}),
    ...(o.offline ? { offline: true } : {}),
    ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
  });
  const mismatch =
    encoder.imageDim !== o.dims.image
      ? `image features of ${encoder.imageDim} values, the head expects ${o.dims.image}`
      : o.dims.text !== undefined && encoder.textDim !== undefined && encoder.textDim !== o.dims.text
        ? `question features of ${encoder.textDim} values, the head expects ${o.dims.text}`
        : undefined;
  if (mismatch) {
    await encoder.dispose();
    throw new VizWizError(
      'INVALID_CHECKPOINT',
      `${o.owner}: encoder ${id}${source ? ` from ${source}` : ''} gives ${mismatch}; is this the encoder the run was trained on?`,
    );
  }
  return encoder;
}

/** Whether two records describe the same encoder (then one instance serves both heads). */
export function sameEncoder(a: EncoderRecord, b: EncoderRecord): boolean {
  const identity = (r: EncoderRecord) =>
    JSON.stringify(
      Object.entries(r)
        .filter(([k]) => ['encoder', 'source', 'commit', 'resolution', 'seed'].includes(k) || k.startsWith('arch.'))
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    );
  return identity(a) === identity(b);
}
