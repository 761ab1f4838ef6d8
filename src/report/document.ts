/**
 * The report document: the computed results plus the files drawn from them (figures, gallery thumbnails). It is what
 * `results.json` holds and what the Markdown and HTML renderers format; paths are relative to the report folder.
 */
import type { ReportResults } from './results.js';

export interface FigureFile {
  /** File stem, e.g. "curves-baseline". */
  name: string;
  title: string;
  /** Text alternative. */
  description: string;
  svg: string;
  png: string;
  /** PNG size in pixels. */
  width: number;
  height: number;
}

export interface ReportDocument extends ReportResults {
  figures: FigureFile[];
}
