/**
 * Submission files in the official VizWiz-VQA format, `[{"image": "...", "answer": "...", "answerable": 0.93}]`
 * (`answerable`, a confidence in [0, 1] that the question can be answered, is optional): reading and validating them,
 * matching them to the annotated questions, and writing them atomically. Every problem is a
 * VizWizError('INVALID_PREDICTIONS') whose message names the file, the entry index, the image and the field, or lists
 * the offending image names (the first 10 and a count of the rest).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeValue, listNames, VizWizError } from '../errors.js';
import type { Prediction, VizWizQuestion } from '../data/types.js';
import { writeFileAtomic } from '../io/atomic-write.js';

const predictionSchema = z.object({
  image: z.string().min(1),
  answer: z.string(),
  answerable: z.number().min(0).max(1).optional(),
});

/** How many schema problems a message lists before counting the rest. */
const MAX_LISTED_PROBLEMS = 10;

const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.input === undefined) return 'missing';
  if (issue.code === 'invalid_type') return `expected ${issue.expected}, got ${describeValue(issue.input)}`;
  if (issue.code === 'too_small' && issue.origin === 'string') return 'must be a non-empty file name';
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    return `must be a confidence between 0 and 1, got ${describeValue(issue.input)}`;
  }
  return undefined;
};

function imageName(entry: unknown): string {
  if (entry && typeof entry === 'object' && 'image' in entry && typeof entry.image === 'string' && entry.image) {
    return entry.image;
  }
  return 'no image name';
}

function fail(message: string): never {
  throw new VizWizError('INVALID_PREDICTIONS', message);
}

/** Validates parsed JSON as a submission; `source` names the file in messages. */
export function parseSubmission(json: unknown, source: string): Prediction[] {
  if (!Array.isArray(json)) fail(`${source}: expected a JSON array of predictions, got ${describeValue(json)}`);
  const problems: string[] = [];
  const out: Prediction[] = [];
  json.forEach((entry: unknown, index: number) => {
    const parsed = predictionSchema.safeParse(entry, { error: errorMap });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(entry)';
        problems.push(`entry ${index} (${imageName(entry)}): ${field}: ${issue.message}`);
      }
      return;
    }
    const { image, answer, answerable } = parsed.data;
    out.push(answerable === undefined ? { image, answer } : { image, answer, answerable });
  });
  if (problems.length > 0) {
    const rest = problems.length - MAX_LISTED_PROBLEMS;
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).join('; ') + (rest > 0 ? `; and ${rest} more` : '');
    fail(`${source}: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}: ${listed}`);
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const p of out) {
    if (seen.has(p.image)) duplicates.add(p.image);
    seen.add(p.image);
  }
  if (duplicates.size > 0) {
    const n = duplicates.size;
    fail(`${source}: ${n} ${n === 1 ? 'image is' : 'images are'} predicted more than once: ${listNames([...duplicates])}`);
  }
  return out;
}

/** Parses submission JSON text; `source` names the file in messages. */
export function parseSubmissionText(text: string, source: string): Prediction[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new VizWizError('INVALID_PREDICTIONS', `${source}: not valid JSON (${reason})`, { cause: err });
  }
  return parseSubmission(json, source);
}

/** Reads and validates a submission file. */
export async function readSubmission(file: string): Promise<Prediction[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new VizWizError('NOT_FOUND', `${file}: cannot read predictions (${reason})`, { cause: err });
  }
  return parseSubmissionText(text, file);
}

/**
 * Orders `predictions` like `questions`. Every annotated image needs exactly one prediction and every prediction
 * must name an annotated image; otherwise the message lists the missing and the unknown images.
 */
export function matchPredictions(questions: readonly VizWizQuestion[], predictions: readonly Prediction[], source: string): Prediction[] {
  const byImage = new Map(predictions.map((p) => [p.image, p]));
  const annotated = new Set(questions.map((q) => q.image));
  const missing = questions.filter((q) => !byImage.has(q.image)).map((q) => q.image);
  const unknown = predictions.filter((p) => !annotated.has(p.image)).map((p) => p.image);
  const parts: string[] = [];
  if (missing.length > 0) {
    const verb = missing.length === 1 ? 'has' : 'have';
    parts.push(`${missing.length} of ${questions.length} annotated images ${verb} no prediction: ${listNames(missing)}`);
  }
  if (unknown.length > 0) {
    const verb = unknown.length === 1 ? 'image is' : 'images are';
    parts.push(`${unknown.length} predicted ${verb} not in the annotations: ${listNames(unknown)}`);
  }
  if (parts.length > 0) fail(`${source}: ${parts.join('; ')}`);
  return questions.map((q) => byImage.get(q.image)!);
}

/** Writes predictions as an official submission file (atomically: temp file, then rename). */
export async function writeSubmission(file: string, predictions: readonly Prediction[]): Promise<void> {
  const entries = predictions.map(({ image, answer, answerable }) => (answerable === undefined ? { image, answer } : { image, answer, answerable }));
  parseSubmission(entries, file);
  await writeFileAtomic(file, `${JSON.stringify(entries, null, 1)}\n`);
}
