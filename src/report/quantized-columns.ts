/**
 * The quantized columns of the accuracy table (compare --quantize), shared by the Markdown and HTML reports: the
 * official accuracy with quantized weights and its difference to float32, "n/a" for a model without quantizable
 * weights. A report without quantized models has none (the table as it always was).
 */
import type { ReportDocument } from './document.js';
import { fmt2, fmtSigned } from './format.js';
import type { QuantizationInfo } from './input.js';
import type { ModelResults } from './model-results.js';

export const NOT_QUANTIZABLE = 'n/a';

export function quantizedColumns(doc: ReportDocument): { header: string[]; cells: (m: ModelResults) => string[] } {
  const q = doc.quantization;
  if (q === undefined) return { header: [], cells: () => [] };
  return {
    header: [`${q.scheme}, official (%)`, `${q.scheme} - float32 (points)`],
    cells: (m) => (m.quantized ? [fmt2(m.quantized.accuracy.official), fmtSigned(m.quantized.difference.official)] : [NOT_QUANTIZABLE, NOT_QUANTIZABLE]),
  };
}

/** The line under the table: which scheme, what was quantized. */
export function quantizationLine(q: QuantizationInfo): string {
  return `Quantized (${q.scheme} columns): ${q.description}.`;
}
