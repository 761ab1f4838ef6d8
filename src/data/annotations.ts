/**
 * Loading and validating VizWiz annotation files. Train/val files must carry answers; test files carry only
 * `image` and `question`. Every problem names the file, the entry index, the image and the field, so a user can
 * fix a broken file in one pass instead of one error at a time. A file with no entries, or a test file where answers
 * are needed, is refused with one message that says so rather than a problem per entry.
 */
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { describeValue, VizWizError } from '../errors.js';
import { DEFAULT_SIZE_LIMITS, formatBytes, type SizeLimits } from './size-limits.js';
import { ANSWER_CONFIDENCES, ANSWER_TYPES, type VizWizQuestion, type VizWizRecord } from './types.js';

const questionSchema = z.object({
  image: z.string().min(1, 'must be a non-empty file name'),
  question: z.string(),
});

const answerSchema = z.object({
  answer: z.string(),
  answer_confidence: z.enum(ANSWER_CONFIDENCES),
});

const recordSchema = questionSchema.extend({
  // Only an array can have the wrong length: zod runs `.length()` checks even after the type failed, which reported a
  // string such as "yes" twice; `when` keeps the count check for arrays (also when some of their answers are bad).
  answers: z.array(answerSchema).refine((answers) => answers.length === 10, {
    error: (issue) => `expected 10 answers, got ${(issue.input as unknown[]).length}`,
    when: (payload) => Array.isArray(payload.value),
  }),
  answer_type: z.enum(ANSWER_TYPES),
  answerable: z.union([z.literal(0), z.literal(1)], {
    error: (issue) => (issue.input === undefined ? 'missing' : `expected 0 or 1, got ${describeValue(issue.input)}`),
  }),
});

/** Turns zod issues into the toolkit's wording: "missing", "expected a string, got 3". */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined) return 'missing';
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
  if (issue.code === 'invalid_value') {
    const options = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return `expected one of ${options}, got ${describeValue(issue.input)}`;
  }
  return undefined;
};

/** How many problems an error message lists before it just counts the rest. */
const MAX_LISTED_PROBLEMS = 10;

/** Whether entries must carry answers (train/val) or may be bare questions (test). */
export type AnnotationKind = 'answered' | 'questions';

/** Options of the annotation loaders. */
export interface AnnotationOptions extends Partial<Pick<SizeLimits, 'maxAnnotationBytes'>> {
  /**
   * What needs the answers, for the message when a file has none (a test split): "evaluation" gives
   * "evaluation needs train or val annotations". Default: "this step".
   */
  purpose?: string;
}

const ANSWER_FIELDS = ['answers', 'answer_type', 'answerable'] as const;

/** True when no entry carries any answer field: a test split given where train/val annotations are needed. */
function hasNoAnswers(entries: readonly unknown[]): boolean {
  return entries.every((e) => e !== null && typeof e === 'object' && ANSWER_FIELDS.every((f) => !(f in e)));
}

/** Formats zod's path as `answers[3].answer_confidence`. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  }
  return out || '(entry)';
}

function imageName(entry: unknown): string {
  if (entry && typeof entry === 'object' && 'image' in entry && typeof entry.image === 'string') {
    return entry.image;
  }
  return 'no image name';
}

function problemsMessage(source: string, problems: string[]): string {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ');
  const rest = problems.length - MAX_LISTED_PROBLEMS;
  const more = rest > 0 ? `; and ${rest} more` : '';
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return `${source}: ${problems.length} ${noun}: ${listed}${more}`;
}

/**
 * Validates parsed JSON as an annotation file. `source` names the file in messages.
 * Throws VizWizError('INVALID_ANNOTATIONS') listing every problem (the first 10 and a count).
 */
export function parseAnnotations(json: unknown, source: string, kind: 'answered', options?: AnnotationOptions): VizWizRecord[];
export function parseAnnotations(json: unknown, source: string, kind: 'questions', options?: AnnotationOptions): VizWizQuestion[];
export function parseAnnotations(json: unknown, source: string, kind: AnnotationKind, options: AnnotationOptions = {}): VizWizQuestion[] {
  if (!Array.isArray(json)) {
    const got = json === null ? 'null' : typeof json;
    throw new VizWizError('INVALID_ANNOTATIONS', `${source}: expected a JSON array of entries, got ${got}`);
  }
  if (json.length === 0) {
    throw new VizWizError(
      'INVALID_ANNOTATIONS',
      `${source}: the file holds no entries (an empty array): give a VizWiz annotation file with at least one question`,
    );
  }
  if (kind === 'answered' && hasNoAnswers(json)) {
    const noun = json.length === 1 ? 'its entry carries' : `its ${json.length} entries carry`;
    throw new VizWizError(
      'INVALID_ANNOTATIONS',
      `${source}: has no answers (${noun} only image and question, like the test split): ` + `${options.purpose ?? 'this step'} needs train or val annotations`,
    );
  }
  const schema = kind === 'answered' ? recordSchema : questionSchema;
  const problems: string[] = [];
  const out: VizWizQuestion[] = [];
  const seen = new Map<string, number>();
  json.forEach((entry: unknown, index: number) => {
    const parsed = schema.safeParse(entry, { error: errorMap });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push(`entry ${index} (${imageName(entry)}): ${fieldPath(issue.path)}: ${issue.message}`);
      }
      return;
    }
    const first = seen.get(parsed.data.image);
    if (first !== undefined) {
      problems.push(`entry ${index} (${parsed.data.image}): image: duplicate of entry ${first}`);
      return;
    }
    seen.set(parsed.data.image, index);
    out.push(parsed.data);
  });
  if (problems.length > 0) throw new VizWizError('INVALID_ANNOTATIONS', problemsMessage(source, problems));
  return out;
}

/** Parses annotation JSON text; `source` names the file in messages. */
export function parseAnnotationsText(text: string, source: string, kind: 'answered', options?: AnnotationOptions): VizWizRecord[];
export function parseAnnotationsText(text: string, source: string, kind: 'questions', options?: AnnotationOptions): VizWizQuestion[];
export function parseAnnotationsText(text: string, source: string, kind: AnnotationKind, options: AnnotationOptions = {}): VizWizQuestion[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new VizWizError('INVALID_ANNOTATIONS', `${source}: not valid JSON (${reason})`, { cause: err });
  }
  return kind === 'answered' ? parseAnnotations(json, source, 'answered', options) : parseAnnotations(json, source, 'questions', options);
}

/** Reads an annotation file (VizWiz or QualityIssues) as text, refusing one over the annotation size limit first. */
export async function readAnnotationText(file: string, options: AnnotationOptions): Promise<string> {
  const maxBytes = options.maxAnnotationBytes ?? DEFAULT_SIZE_LIMITS.maxAnnotationBytes;
  try {
    const { size } = await stat(file);
    if (size > maxBytes) {
      throw new VizWizError(
        'INVALID_ANNOTATIONS',
        `${file}: ${size} bytes, over the ${formatBytes(maxBytes)} limit for an annotation file ` +
          '(the official ones are 10-30 MB): check that this is a VizWiz annotation file',
      );
    }
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof VizWizError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new VizWizError('NOT_FOUND', `${file}: cannot read annotations (${reason})`, { cause: err });
  }
}

/** Loads a train/val annotation file (every entry must carry 10 answers, answer_type and answerable). */
export async function loadAnnotations(file: string, options: AnnotationOptions = {}): Promise<VizWizRecord[]> {
  return parseAnnotationsText(await readAnnotationText(file, options), file, 'answered', options);
}

/** Loads any annotation file as questions only (test files, or train/val when answers are not needed). */
export async function loadQuestions(file: string, options: AnnotationOptions = {}): Promise<VizWizQuestion[]> {
  return parseAnnotationsText(await readAnnotationText(file, options), file, 'questions', options);
}
