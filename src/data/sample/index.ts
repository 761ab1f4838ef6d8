/**
 * Public API of the synthetic, learnable VizWiz-format sample dataset: the project's embedded default for
 * demos and for every test that needs images. See `generateSample` (writes it) and `planSample` (what it
 * would write, without I/O).
 */

export { generateSample, formatSummary, annotationJson, type SampleSummary } from './generate.js';
export { planSample, slotQuotas, type PlannedItem } from './plan.js';
export { MIN_QUESTIONS, SAMPLE_DEFAULTS, SPLITS, resolveSampleOptions, splitSizes } from './options.js';

export { normaliseLoosely } from './answers-noise.js';
export { COLOURS } from './palette.js';
