/**
 * Child process for the shard kill test: extracts one shard as `vizwiz extract --shard` would (same annotations,
 * same registry encoder, so the same job), but slowly, printing "part" after each finished batch so the parent can
 * SIGKILL it mid-way. Usage: node --import tsx slow-extract-child.ts <annotations> <images> <out> <i/n> <delayMs>
 * <imageDim> <textDim> (pixel-projection's --image-dim and --text-dim).
 */
import { loadQuestions } from '../../src/data/annotations.js';
import { openImageSource } from '../../src/data/image-source.js';
import { extractFeatures } from '../../src/features/extract.js';
import { loadEncoder } from '../../src/features/registry.js';
import { parseShard } from '../../src/shards/spec.js';
import { wrapEncoder } from '../features/extract-fixture.js';

const [annotations, images, out, shard, delay, imageDim, textDim] = process.argv.slice(2) as string[] as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const overrides = { imageDim: Number(imageDim), textDim: Number(textDim) };
const encoder = wrapEncoder(await loadEncoder('pixel-projection', { overrides }), { delayMs: Number(delay) });
await extractFeatures({
  questions: await loadQuestions(annotations),
  images: await openImageSource(images),
  encoder,
  out,
  shard: parseShard(shard),
  batchSize: 2,
  log: () => undefined,
  progress: { start() {}, update: () => void process.stdout.write('part\n'), stop() {} },
});
process.stdout.write('done\n');
