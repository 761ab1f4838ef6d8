/**
 * The examples gallery: questions chosen deterministically from the per-question official accuracies of all models,
 * in three groups: where the models disagree (their accuracies differ; largest spread first), where every model is
 * right (accuracy 1), and the failure cases (every model scores 0). Within a group, ties are broken by a hash of the
 * image name (FNV-1a), so the picks are spread over the split rather than taken from its start, yet fixed for a
 * given input. Each group is capped. Thumbnails are JPEGs (EXIF-rotated, fit inside `size` x `size`) made with sharp;
 * an image that cannot be read or decoded just has no thumbnail.
 */
import sharp from 'sharp';
import type { ImageSource } from '../data/image-source.js';
import type { AnswerType, VizWizRecord } from '../data/types.js';
import { GALLERY_CATEGORIES, DEFAULT_GALLERY_LIMITS, type GalleryCategory, type GalleryLimits } from './gallery-groups.js';
import type { Evaluations } from './model-results.js';

export interface GalleryAnswer {
  id: string;
  answer: string;
  /** Per-question accuracy in [0, 1], official metric, and the seed variant. */
  accuracy: number;
  seedAccuracy: number;
}

export interface GalleryExample {
  category: GalleryCategory;
  /** Position of the question in the validation records. */
  index: number;
  image: string;
  question: string;
  answer_type: AnswerType;
  answerable: 0 | 1;
  /** The ten crowd answers, as in the annotations. */
  answers: string[];
  models: GalleryAnswer[];
  /** The thumbnail's JPEG file relative to the report folder, once written; null when there is none. */
  thumbnail: string | null;
}

export interface Gallery {
  /** Questions in each group (all of them, not only those shown). */
  counts: Record<GalleryCategory, number>;
  limits: Record<GalleryCategory, number>;
  examples: GalleryExample[];
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function categoryOf(accs: readonly number[]): GalleryCategory | null {
  if (accs.every((a) => a === 1)) return 'all-correct';
  if (accs.every((a) => a === 0)) return 'failure';
  return Math.max(...accs) > Math.min(...accs) ? 'disagreement' : null;
}

/** Picks the gallery's questions from the models' evaluations (model order = `ids` order). */
export function selectGallery(records: readonly VizWizRecord[], evaluations: Evaluations, ids: readonly string[], limits: GalleryLimits = {}): Gallery {
  const caps = { ...DEFAULT_GALLERY_LIMITS, ...limits };
  const groups: Record<GalleryCategory, { index: number; spread: number; hash: number }[]> = {
    disagreement: [],
    'all-correct': [],
    failure: [],
  };
  records.forEach((record, index) => {
    const accs = evaluations.map((e) => e.official.perQuestion[index]!.accuracy);
    const category = categoryOf(accs);
    if (category !== null) {
      groups[category].push({ index, spread: Math.max(...accs) - Math.min(...accs), hash: fnv1a(record.image) });
    }
  });
  const examples: GalleryExample[] = [];
  for (const category of GALLERY_CATEGORIES) {
    const picked = [...groups[category]].sort((x, y) => y.spread - x.spread || x.hash - y.hash || x.index - y.index).slice(0, Math.max(0, caps[category]));
    for (const { index } of picked) {
      const r = records[index]!;
      examples.push({
        category,
        index,
        image: r.image,
        question: r.question,
        answer_type: r.answer_type,
        answerable: r.answerable,
        answers: r.answers.map((a) => a.answer),
        models: evaluations.map((e, m) => ({
          id: ids[m]!,
          answer: e.official.perQuestion[index]!.answer,
          accuracy: e.official.perQuestion[index]!.accuracy,
          seedAccuracy: e.seed.perQuestion[index]!.accuracy,
        })),
        thumbnail: null,
      });
    }
  }
  return {
    counts: { disagreement: groups.disagreement.length, 'all-correct': groups['all-correct'].length, failure: groups.failure.length },
    limits: caps,
    examples,
  };
}

/** The ten answers as "dog (7), cat (3)": distinct answers by count, then first appearance. */
export function answerCounts(answers: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts]
    .sort((x, y) => y[1] - x[1])
    .map(([a, n]) => `${a} (${n})`)
    .join(', ');
}

/** A JPEG thumbnail of `name` fitting `size` x `size`, or null when the image is missing or cannot be decoded. */
export async function thumbnail(images: ImageSource, name: string, size = 128): Promise<Buffer | null> {
  try {
    const bytes = await images.read(name);
    return await sharp(bytes, { failOn: 'truncated' })
      .rotate()
      .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: 80 })
      .toBuffer();
  } catch {
    return null;
  }
}
