/**
 * Public API of the comparison report: the input, the numbers (accuracies by `evaluate`, bootstrap intervals, paired
 * tests), the figures, the gallery, the writers, and the self-containment check of the HTML.
 */

export { bootstrapMeanCI, signFlipTest } from './stats.js';
export { computeResults } from './results.js';

export type { ReportDocument } from './document.js';
export { renderMarkdown } from './markdown.js';

export { assertSelfContained } from './self-contained.js';
export { writeReport, type ReportFiles } from './write.js';
