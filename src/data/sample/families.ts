/**
 * The question families. Each draws a scene whose content determines the answer (so it is learnable from
 * pixels + question), a question wording, the true answer, and the pools the crowd-answer noise draws from:
 * colour ("What color is this?"), label (printed product word / soup flavour), count (1-5 shapes) and
 * yes/no (colour check or shape presence). Unanswerable questions reuse these drafts with a bad capture.
 */

import { COLOURS, INKS, PAPERS, SURFACES, vary, type NamedColour } from './palette.js';
import type { Rng } from '../../random/rng.js';
import type { Outline, RGB } from './raster.js';
import type { SceneLabel, SceneShape } from './scene.js';
import { textWidth } from './font.js';
import {
  COLOUR_QUESTIONS,
  COUNT_ALL_QUESTIONS,
  COUNT_KIND_QUESTIONS,
  IS_COLOUR_QUESTIONS,
  IS_THERE_QUESTIONS,
  NUMBER_WORDS,
  PRODUCT_QUESTIONS,
  PRODUCT_WORDS,
  SHAPE_KINDS,
  SHAPE_NAMES,
  SOUP_FLAVOURS,
  SOUP_QUESTIONS,
  fill,
  type ShapeName,
} from './vocab.js';

export const ANSWERABLE_FAMILIES = ['colour', 'label', 'count', 'yesno'] as const;
export type AnswerableFamily = (typeof ANSWERABLE_FAMILIES)[number];

/** What one family produces: scene content, question, truth and noise pools. */
export interface Draft {
  family: AnswerableFamily;
  answerType: 'other' | 'number' | 'yes/no';
  question: string;
  /** The canonical (normalised, lower-case) answer. */
  truth: string;
  /** Family-specific spellings that normalise to the truth ("three" for 3, "the rice"). */
  truthVariants: readonly string[];
  /** Plausible answers that do not normalise to the truth (synonyms, near misses, wrong guesses). */
  distractors: readonly string[];
  /** The most tempting wrong answer: it wins the vote on some low-agreement questions. */
  confuser: string;
  surface: readonly [RGB, RGB];
  shapes: SceneShape[];
  label?: SceneLabel;
}

/** A palette colour under this photo's light: slight brightness change and per-channel jitter. */
function tint(rng: Rng, colour: NamedColour): RGB {
  return vary(colour.rgb, rng.uniform(0.9, 1.06), [rng.uniform(-12, 12), rng.uniform(-12, 12), rng.uniform(-12, 12)]);
}

/** One big object near the centre, covering the middle of the frame. */
function bigShape(rng: Rng, size: number, colour: RGB): SceneShape {
  const cx = size / 2 + rng.uniform(-0.05, 0.05) * size;
  const cy = size / 2 + rng.uniform(-0.05, 0.05) * size;
  const kind = rng.pick(['circle', 'square', 'triangle', 'rect'] as const);
  let outline: Outline;
  if (kind === 'rect') {
    outline = { kind, cx, cy, hw: rng.uniform(0.27, 0.4) * size, hh: rng.uniform(0.25, 0.38) * size };
  } else if (kind === 'triangle') {
    outline = { kind, cx, cy, r: rng.uniform(0.42, 0.47) * size };
  } else {
    outline = { kind, cx, cy, r: rng.uniform(0.28, 0.38) * size };
  }
  return { outline, colour, shade: rng.uniform(0.05, 0.18) };
}

/** `kinds.length` small shapes in distinct cells of a 3x3 grid (so they never overlap). */
function gridShapes(rng: Rng, size: number, kinds: readonly ShapeName[]): SceneShape[] {
  const cell = size / 3;
  const cells = rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8]).slice(0, kinds.length);
  return kinds.map((kind, i) => {
    const at = cells[i] ?? 0;
    const r = cell * rng.uniform(kind === 'triangle' ? 0.34 : 0.26, kind === 'triangle' ? 0.42 : 0.34);
    const room = Math.max(0, cell / 2 - r - 1);
    const cx = ((at % 3) + 0.5) * cell + rng.uniform(-room, room);
    const cy = (Math.floor(at / 3) + 0.5) * cell + rng.uniform(-room, room);
    return { outline: { kind, cx, cy, r }, colour: tint(rng, rng.pick(COLOURS)), shade: rng.uniform(0.05, 0.2) };
  });
}

/** The largest text scale at which every line fits in ~3/4 of the frame. */
function labelScale(size: number, lines: readonly string[]): number {
  const widest = Math.max(...lines.map((line) => textWidth(line, 1)));
  return Math.max(1, Math.min(Math.floor(size / 48), Math.floor((0.74 * size) / widest)));
}

/** A coloured product box with a pale printed label in the middle. */
function productBox(rng: Rng, size: number, lines: readonly string[]): { box: SceneShape; label: SceneLabel } {
  const scale = labelScale(size, lines);
  const cx = size / 2 + rng.uniform(-0.04, 0.04) * size;
  const cy = size / 2 + rng.uniform(-0.04, 0.04) * size;
  const textW = Math.max(...lines.map((line) => textWidth(line, scale)));
  const hw = Math.max(rng.uniform(0.34, 0.44) * size, textW / 2 + 3 * scale + 2);
  const hh = rng.uniform(0.3, 0.4) * size;
  const colour = tint(rng, rng.pick(COLOURS.filter((c) => c.name !== 'white')));
  const box: SceneShape = { outline: { kind: 'rect', cx, cy, hw, hh }, colour, shade: rng.uniform(0.05, 0.15) };
  const label: SceneLabel = { cx, cy: cy + rng.uniform(-0.04, 0.04) * size, lines, scale, paper: rng.pick(PAPERS), ink: rng.pick(INKS) };
  return { box, label };
}

function withUnanswerable(pool: string[]): string[] {
  return [...pool, 'unanswerable', "i don't know", 'not sure'];
}

function colourDraft(rng: Rng, size: number, surface: readonly [RGB, RGB]): Draft {
  const colour = rng.pick(COLOURS);
  const truth = colour.name;
  return {
    family: 'colour',
    answerType: 'other',
    question: rng.pick(COLOUR_QUESTIONS),
    truth,
    truthVariants: [],
    distractors: withUnanswerable([...colour.synonyms, ...colour.neighbours, `${truth} color`, `a ${truth} one`, `light ${truth}`, `${truth} and white`]),
    confuser: rng.pick([...colour.neighbours, ...colour.synonyms.slice(0, 1)]),
    surface,
    shapes: [bigShape(rng, size, tint(rng, colour))],
  };
}

function labelDraft(rng: Rng, size: number, surface: readonly [RGB, RGB]): Draft {
  if (rng.chance(0.25)) {
    const flavour = rng.pick(SOUP_FLAVOURS);
    const truth = flavour.toLowerCase();
    const other = rng.pick(SOUP_FLAVOURS.filter((f) => f !== flavour)).toLowerCase();
    const { box, label } = productBox(rng, size, [flavour, 'SOUP']);
    return {
      family: 'label',
      answerType: 'other',
      question: rng.pick(SOUP_QUESTIONS),
      truth,
      truthVariants: [`the ${truth}`],
      distractors: withUnanswerable([
        `${truth} soup`,
        'soup',
        `cream of ${truth}`,
        `${truth} soup can`,
        `a can of ${truth} soup`,
        other,
        `${other} soup`,
        'campbells',
      ]),
      confuser: `${truth} soup`,
      surface,
      shapes: [box],
      label,
    };
  }
  const word = rng.pick(PRODUCT_WORDS);
  const truth = word.toLowerCase();
  const other = rng.pick(PRODUCT_WORDS.filter((w) => w !== word)).toLowerCase();
  const { box, label } = productBox(rng, size, [word]);
  return {
    family: 'label',
    answerType: 'other',
    question: rng.pick(PRODUCT_QUESTIONS),
    truth,
    truthVariants: [`the ${truth}`, `a ${truth}`],
    distractors: withUnanswerable([
      `${truth} box`,
      `box of ${truth}`,
      `can of ${truth}`,
      `${truth} package`,
      'food',
      'a box',
      'package',
      other,
      "i can't read it",
      'label',
    ]),
    confuser: rng.pick([`box of ${truth}`, `${truth} box`, other]),
    surface,
    shapes: [box],
    label,
  };
}

function countDraft(rng: Rng, size: number, surface: readonly [RGB, RGB]): Draft {
  const n = rng.weighted([
    [1, 2],
    [2, 3],
    [3, 3],
    [4, 2],
    [5, 2],
  ] as const);
  const allKinds = rng.chance(0.4);
  const target = rng.pick(SHAPE_KINDS);
  let kinds: ShapeName[];
  let question: string;
  let things: string;
  if (allKinds) {
    kinds = Array.from({ length: n }, () => rng.pick(SHAPE_KINDS));
    question = rng.pick(COUNT_ALL_QUESTIONS);
    things = 'shapes';
  } else {
    const others = SHAPE_KINDS.filter((k) => k !== target);
    const extra = rng.between(0, Math.min(3, 9 - n));
    kinds = [...Array.from({ length: n }, () => target), ...Array.from({ length: extra }, () => rng.pick(others))];
    things = SHAPE_NAMES[target];
    question = fill(rng.pick(COUNT_KIND_QUESTIONS), { shapes: things });
  }
  const word = NUMBER_WORDS[n] ?? String(n);
  const nearby = [n - 1, n + 1].filter((m) => m >= 1).map(String);
  return {
    family: 'count',
    answerType: 'number',
    question,
    truth: String(n),
    truthVariants: [word, word[0]?.toUpperCase() + word.slice(1)],
    distractors: withUnanswerable([...nearby, `${n} ${things}`, `${word} ${things}`, 'many', 'a few', 'several', String(n + 2)]),
    confuser: rng.pick(nearby),
    surface,
    shapes: gridShapes(rng, size, rng.shuffle(kinds)),
  };
}

function yesNoDraft(rng: Rng, size: number, surface: readonly [RGB, RGB]): Draft {
  const yes = rng.chance(0.5);
  const truth = yes ? 'yes' : 'no';
  const opposite = yes ? 'no' : 'yes';
  const common = [opposite, 'maybe', 'i think so', yes ? 'yes it is' : 'no it is not', yes ? 'yes there is' : 'no there is not'];
  if (rng.chance(0.5)) {
    const colour = rng.pick(COLOURS);
    const asked = yes ? colour : rng.pick(COLOURS.filter((c) => c.name !== colour.name));
    return {
      family: 'yesno',
      answerType: 'yes/no',
      question: fill(rng.pick(IS_COLOUR_QUESTIONS), { colour: asked.name }),
      truth,
      truthVariants: [],
      distractors: withUnanswerable([...common, colour.name, `it is ${colour.name}`, ...colour.neighbours]),
      confuser: opposite,
      surface,
      shapes: [bigShape(rng, size, tint(rng, colour))],
    };
  }
  const target = rng.pick(SHAPE_KINDS);
  const others = SHAPE_KINDS.filter((k) => k !== target);
  const count = rng.between(1, 3);
  const kinds = Array.from({ length: count }, () => rng.pick(others));
  if (yes) kinds[0] = target;
  const question = fill(rng.pick(IS_THERE_QUESTIONS), { shape: target, shapes: SHAPE_NAMES[target] });
  return {
    family: 'yesno',
    answerType: 'yes/no',
    question,
    truth,
    truthVariants: [],
    distractors: withUnanswerable([...common, ...others.map((k) => SHAPE_NAMES[k]), String(count)]),
    confuser: opposite,
    surface,
    shapes: gridShapes(rng, size, rng.shuffle(kinds)),
  };
}

/** Draws one answerable draft of the given family. */
export function draftFamily(family: AnswerableFamily, rng: Rng, size: number): Draft {
  const surface = rng.pick(SURFACES);
  switch (family) {
    case 'colour':
      return colourDraft(rng, size, surface);
    case 'label':
      return labelDraft(rng, size, surface);
    case 'count':
      return countDraft(rng, size, surface);
    case 'yesno':
      return yesNoDraft(rng, size, surface);
  }
}
