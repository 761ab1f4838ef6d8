/**
 * VizWiz-QualityIssues annotations (Chiu et al., 2020), read as released: a JSON array with one entry per image,
 * holding how many of the (usually 5) crowd workers marked the image `unrecognizable` and each flaw
 *   {"image": "VizWiz_train_00000000.jpg", "unrecognizable": 0, "flaws": {"FRM": 2, "BLR": 0, "DRK": 0, ...}}
 * Flaws are accepted under the release's short codes (FRM, BLR, DRK, BRT, OBS, ROT, OTH, NON) or under the long
 * names the VizWiz captioning annotations use ("framing", "blur", "too dark", ...), inside `flaws` or at the top
 * level of the entry; a flaw that is absent counts 0. Every problem names the file, the entry, the image and the field.
 */
import { describeValue, VizWizError } from '../errors.js';
import { readAnnotationText } from './annotations.js';

export const FLAW_CODES = ['FRM', 'BLR', 'DRK', 'BRT', 'OBS', 'ROT', 'OTH', 'NON'] as const;
export type FlawCode = (typeof FLAW_CODES)[number];

/** The captioning annotations' names of the same flaws. */
const FLAW_LONG_NAMES: Readonly<Record<FlawCode, string>> = {
  FRM: 'framing',
  BLR: 'blur',
  DRK: 'too dark',
  BRT: 'too bright',
  OBS: 'obstruction',
  ROT: 'rotation',
  OTH: 'other',
  NON: 'no issue',
};

/** One image's worker counts. */
export interface QualityRecord {
  image: string;
  /** Workers who found the content unrecognizable. */
  unrecognizable: number;
  flaws: Record<FlawCode, number>;
}

const MAX_LISTED_PROBLEMS = 10;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A worker count: a whole number >= 0 (a problem message otherwise). */
function count(value: unknown): number | string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  return `expected a whole number of workers >= 0, got ${describeValue(value)}`;
}

/** Parses one entry; returns the record or the list of its problems. */
function parseEntry(entry: unknown): QualityRecord | string[] {
  if (!isObject(entry)) return [`(entry): expected an object, got ${describeValue(entry)}`];
  const problems: string[] = [];
  const image = entry.image ?? entry.file_name;
  if (typeof image !== 'string' || image === '')
    problems.push(`image: ${image === undefined ? 'missing' : `expected a file name, got ${describeValue(image)}`}`);
  const unrecognizable = count(entry.unrecognizable);
  if (typeof unrecognizable === 'string') problems.push(`unrecognizable: ${entry.unrecognizable === undefined ? 'missing' : unrecognizable}`);
  const nested = entry.flaws;
  if (nested !== undefined && !isObject(nested)) problems.push(`flaws: expected an object of worker counts, got ${describeValue(nested)}`);
  const holder = isObject(nested) ? nested : entry;
  const flaws = {} as Record<FlawCode, number>;
  let found = 0;
  for (const code of FLAW_CODES) {
    const key = code in holder ? code : FLAW_LONG_NAMES[code] in holder ? FLAW_LONG_NAMES[code] : undefined;
    if (key === undefined) {
      flaws[code] = 0;
      continue;
    }
    found++;
    const n = count(holder[key]);
    if (typeof n === 'string') problems.push(`${isObject(nested) ? 'flaws.' : ''}${key}: ${n}`);
    else flaws[code] = n;
  }
  if (found === 0 && problems.length === 0) {
    problems.push(`flaws: missing (expected worker counts under ${FLAW_CODES.join(', ')} or their long names)`);
  }
  if (problems.length > 0) return problems;
  return { image: image as string, unrecognizable: unrecognizable as number, flaws };
}

/** Validates parsed JSON as a QualityIssues file; throws INVALID_ANNOTATIONS listing the problems (first 10 + a count). */
export function parseQualityAnnotations(json: unknown, source: string): QualityRecord[] {
  if (!Array.isArray(json)) {
    throw new VizWizError('INVALID_ANNOTATIONS', `${source}: expected a JSON array of quality entries, got ${describeValue(json)}`);
  }
  const problems: string[] = [];
  const out: QualityRecord[] = [];
  const seen = new Map<string, number>();
  json.forEach((entry: unknown, index) => {
    const name = isObject(entry) && typeof (entry.image ?? entry.file_name) === 'string' ? (entry.image ?? entry.file_name) : 'no image name';
    const parsed = parseEntry(entry);
    if (Array.isArray(parsed)) {
      for (const p of parsed) problems.push(`entry ${index} (${String(name)}): ${p}`);
      return;
    }
    const first = seen.get(parsed.image);
    if (first !== undefined) {
      problems.push(`entry ${index} (${parsed.image}): image: duplicate of entry ${first}`);
      return;
    }
    seen.set(parsed.image, index);
    out.push(parsed);
  });
  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
    const rest = problems.length - MAX_LISTED_PROBLEMS;
    throw new VizWizError(
      'INVALID_ANNOTATIONS',
      `${source}: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}: ${listed}${rest > 0 ? `; and ${rest} more` : ''}`,
    );
  }
  return out;
}

export function parseQualityText(text: string, source: string): QualityRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VizWizError('INVALID_ANNOTATIONS', `${source}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  return parseQualityAnnotations(json, source);
}

export async function loadQualityAnnotations(file: string): Promise<QualityRecord[]> {
  return parseQualityText(await readAnnotationText(file, {}), file);
}
