/**
 * Public API of the synthetic, learnable VizWiz-format sample dataset: the project's embedded default for
 * demos and for every test that needs images. See `generateSample` (writes it) and `planSample` (what it
 * would write, without I/O).
 */

export { generateSample, formatSummary, annotationJson, type SampleSummary, type SplitSummary } from './generate.js';
export { planSample, imageName, slotQuotas, toQuestion, toRecord, type FamilySlot, type PlannedItem, type SamplePlan } from './plan.js';
export {
  MIN_QUESTIONS,
  SAMPLE_DEFAULTS,
  SPLITS,
  resolveSampleOptions,
  splitSizes,
  type ResolvedSampleOptions,
  type SampleOptions,
  type Split,
  type SplitRatios,
} from './options.js';
export { encodeScene } from './encode.js';
export { renderScene, type Scene } from './scene.js';
export { normaliseLoosely } from './answers-noise.js';
export { COLOURS, type NamedColour } from './palette.js';
export { ANSWERABLE_FAMILIES, type AnswerableFamily } from './families.js';
export type { Degradation, Defect } from './degrade.js';
