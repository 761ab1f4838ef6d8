/**
 * Child process for the SIGKILL resumption test: extracts `<dir>` into `<out>` with a slow pixel-projection encoder
 * and prints "part" after each finished batch, so the parent can kill it mid-run.
 * Usage: node --import tsx extract-child.ts <dir> <out> <rows> <delayMs>
 */
import { FolderImageSource } from '../../src/data/image-source.js';
import { extractFeatures } from '../../src/features/extract.js';
import { createPixelProjectionEncoder } from '../../src/features/pixel-projection.js';
import { makeQuestions } from './extract-questions.js';
import { wrapEncoder } from './extract-fixture.js';

const [dir, out, rows, delay] = process.argv.slice(2) as [string, string, string, string];
const encoder = wrapEncoder(createPixelProjectionEncoder({ imageDim: 32, textDim: 16 }), { delayMs: Number(delay) });
await extractFeatures({
  questions: makeQuestions(Number(rows)),
  images: new FolderImageSource(dir),
  encoder,
  out,
  batchSize: 4,
  log: () => undefined,
  progress: { start() {}, update: () => void process.stdout.write('part\n'), stop() {} },
});
process.stdout.write('done\n');
