/**
 * Writes a comparison report into a folder, every file atomically (temporary file, then rename):
 *   figures/<name>.svg and figures/<name>.png   the plots (plots.ts)
 *   gallery/<nn>-<image>.jpg                     thumbnails of the gallery's examples (when images are given)
 *   results.json                                 every number of the report (the report document)
 *   report.md                                    the Markdown report, linking to the figures and thumbnails
 *   report.html                                  one self-contained page (checked by assertSelfContained)
 * Files left in figures/ and gallery/ by an earlier report in the same folder (.svg, .png, .jpg not written this time)
 * are removed, so the folder never shows a stale figure. The same input and options give the same files (the
 * input's provenance carries the creation time).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import type { FigureFile, ReportDocument } from './document.js';
import { thumbnail } from './gallery.js';
import { renderHtml } from './html.js';
import type { ComparisonInput, ReportOptions } from './input.js';
import { renderMarkdown } from './markdown.js';
import { renderFigure, reportFigures } from './plots.js';
import { computeResults, evaluateModels } from './results.js';
import { assertSelfContained } from './self-contained.js';

export interface ReportFiles {
  /** Paths of the written files. */
  resultsJson: string;
  reportMd: string;
  reportHtml: string;
  /** Every figure file, SVG and PNG, in figure order. */
  figures: string[];
  /** The content of results.json. */
  document: ReportDocument;
}

/** A file-name-safe version of an image name without its extension. */
function stem(image: string): string {
  return image
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 80);
}

/** Removes report-made files (.svg, .png, .jpg) in `outDir/sub` that are not in `keep` (paths relative to outDir). */
async function removeStale(outDir: string, sub: string, keep: ReadonlySet<string>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(join(outDir, sub));
  } catch {
    return;
  }
  for (const name of names) {
    if (/\.(svg|png|jpg)$/.test(name) && !keep.has(`${sub}/${name}`)) await rm(join(outDir, sub, name), { force: true });
  }
}

export async function writeReport(outDir: string, input: ComparisonInput, options: ReportOptions = {}): Promise<ReportFiles> {
  const evaluations = evaluateModels(input);
  const results = computeResults(input, options, evaluations);

  const figures: FigureFile[] = [];
  const svgs = new Map<string, string>();
  const figurePaths: string[] = [];
  for (const f of reportFigures(results)) {
    const rendered = await renderFigure(f.spec, options.pngDensity);
    const svg = `figures/${f.name}.svg`;
    const png = `figures/${f.name}.png`;
    await writeFileAtomic(join(outDir, svg), rendered.svg);
    await writeFileAtomic(join(outDir, png), rendered.png);
    figurePaths.push(join(outDir, svg), join(outDir, png));
    svgs.set(f.name, rendered.svg);
    figures.push({ name: f.name, title: f.title, description: f.description, svg, png, width: rendered.width, height: rendered.height });
  }

  const thumbnails: (string | null)[] = [];
  const examples = [];
  for (const [k, example] of results.gallery.examples.entries()) {
    const jpeg = input.images ? await thumbnail(input.images, example.image, options.thumbnailSize) : null;
    let file: string | null = null;
    if (jpeg) {
      file = `gallery/${String(k + 1).padStart(2, '0')}-${stem(example.image)}.jpg`;
      await writeFileAtomic(join(outDir, file), jpeg);
    }
    thumbnails.push(jpeg ? `data:image/jpeg;base64,${jpeg.toString('base64')}` : null);
    examples.push({ ...example, thumbnail: file });
  }

  const written = new Set([...figures.flatMap((f) => [f.svg, f.png]), ...examples.flatMap((e) => (e.thumbnail ? [e.thumbnail] : []))]);
  await removeStale(outDir, 'figures', written);
  await removeStale(outDir, 'gallery', written);

  const document: ReportDocument = { ...results, gallery: { ...results.gallery, examples }, figures };
  const html = renderHtml(document, { svgs, thumbnails });
  assertSelfContained(html);
  const files = {
    resultsJson: join(outDir, 'results.json'),
    reportMd: join(outDir, 'report.md'),
    reportHtml: join(outDir, 'report.html'),
  };
  await writeJsonAtomic(files.resultsJson, document);
  await writeFileAtomic(files.reportMd, renderMarkdown(document));
  await writeFileAtomic(files.reportHtml, html);
  return { ...files, figures: figurePaths, document };
}
