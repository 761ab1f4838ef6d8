/**
 * The colours of the synthetic world: the named object palette (what colour questions ask about), what people
 * also call each colour (synonyms) and mistake it for (neighbours), and the muted surfaces objects lie on.
 */

import type { RGB } from './raster.js';

export interface NamedColour {
  name: string;
  rgb: RGB;
  /** Other words people use for it (they normalise to a different answer: realistic disagreement). */
  synonyms: readonly string[];
  /** Colours it is mistaken for. */
  neighbours: readonly string[];
}

/** Saturated object colours, chosen to stay apart from each other and from the muted surfaces. */
export const COLOURS: readonly NamedColour[] = [
  { name: 'red', rgb: [200, 32, 36], synonyms: ['crimson', 'scarlet', 'dark red', 'maroon'], neighbours: ['orange', 'pink'] },
  { name: 'green', rgb: [40, 150, 60], synonyms: ['dark green', 'lime', 'forest green'], neighbours: ['blue', 'yellow'] },
  { name: 'blue', rgb: [36, 72, 196], synonyms: ['navy', 'navy blue', 'royal blue', 'dark blue'], neighbours: ['purple', 'green'] },
  { name: 'yellow', rgb: [238, 212, 40], synonyms: ['gold', 'lemon', 'light yellow'], neighbours: ['orange', 'green'] },
  { name: 'white', rgb: [242, 242, 238], synonyms: ['off white', 'cream', 'ivory'], neighbours: ['gray', 'yellow'] },
  { name: 'black', rgb: [24, 24, 28], synonyms: ['dark', 'charcoal', 'very dark gray'], neighbours: ['blue', 'gray'] },
  { name: 'orange', rgb: [240, 128, 24], synonyms: ['tangerine', 'dark orange', 'burnt orange'], neighbours: ['red', 'yellow'] },
  { name: 'purple', rgb: [120, 44, 150], synonyms: ['violet', 'lavender', 'plum'], neighbours: ['blue', 'pink'] },
  { name: 'pink', rgb: [236, 128, 176], synonyms: ['light pink', 'rose', 'magenta'], neighbours: ['red', 'purple'] },
];

/** Muted surfaces (table tops, counters, walls, hands): top and bottom of a gentle gradient. */
export const SURFACES: readonly (readonly [RGB, RGB])[] = [
  [
    [206, 196, 176],
    [176, 164, 142],
  ], // beige counter
  [
    [190, 190, 194],
    [150, 150, 156],
  ], // grey table
  [
    [178, 150, 118],
    [140, 112, 84],
  ], // wood
  [
    [196, 204, 210],
    [160, 168, 176],
  ], // pale blue-grey wall
  [
    [214, 206, 196],
    [186, 170, 156],
  ], // skin-ish / paper bag
];

/** Dark inks for printed words, and the pale label papers they are printed on. */
export const INKS: readonly RGB[] = [
  [20, 20, 24],
  [30, 36, 96],
  [110, 20, 24],
  [20, 70, 40],
];
export const PAPERS: readonly RGB[] = [
  [246, 244, 236],
  [236, 232, 214],
  [250, 250, 250],
];

/** Multiplies a colour by a brightness factor and jitters each channel by up to ±`jitter`. */
export function vary(rgb: RGB, brightness: number, jitter: readonly [number, number, number]): RGB {
  return [rgb[0] * brightness + jitter[0], rgb[1] * brightness + jitter[1], rgb[2] * brightness + jitter[2]];
}
