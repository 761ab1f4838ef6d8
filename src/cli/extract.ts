/**
 * `vizwiz extract --encoder pixel-projection --annotations A --images DIR|ZIP --out F`: writes the feature file
 * that `vizwiz train` and `vizwiz predict` read (`image` [N, Di], `text` [N, Dt], rows in annotation order).
 */
import { Command } from 'commander';
import { loadQuestions } from '../data/annotations.js';
import { assertImagesPresent, openImageSource } from '../data/image-source.js';
import { writeFeatures } from '../features/feature-file.js';
import { extractPixelProjection, PIXEL_PROJECTION_DEFAULTS } from '../features/pixel-projection.js';
import { parseChoice, parseWhole } from './options.js';

const ENCODERS = ['pixel-projection'] as const;

interface ExtractCliOptions {
  encoder: string;
  annotations: string;
  images: string;
  out: string;
  imageDim: string;
  textDim: string;
  seed: string;
}

export function extractCommand(): Command {
  return new Command('extract')
    .description('Extract image and question features for every annotation entry into a safetensors file.')
    .option('--encoder <name>', `feature encoder: ${ENCODERS.join(', ')}`, 'pixel-projection')
    .requiredOption('--annotations <file>', 'annotation JSON file (train, val or test)')
    .requiredOption('--images <path>', 'image folder or zip file')
    .requiredOption('--out <file>', 'output .safetensors file')
    .option('--image-dim <n>', 'image feature size (pixel-projection)', String(PIXEL_PROJECTION_DEFAULTS.imageDim))
    .option('--text-dim <n>', 'question feature size (pixel-projection)', String(PIXEL_PROJECTION_DEFAULTS.textDim))
    .option('--seed <s>', 'projection seed (pixel-projection)', String(PIXEL_PROJECTION_DEFAULTS.seed))
    .action(async (o: ExtractCliOptions) => {
      parseChoice(o.encoder, '--encoder', ENCODERS);
      const questions = await loadQuestions(o.annotations);
      const images = await openImageSource(o.images);
      try {
        await assertImagesPresent(questions, images);
        const features = await extractPixelProjection(questions, images, {
          imageDim: parseWhole(o.imageDim, '--image-dim', 1),
          textDim: parseWhole(o.textDim, '--text-dim', 1),
          seed: parseWhole(o.seed, '--seed', 0),
        });
        await writeFeatures(o.out, features);
        process.stderr.write(`extract: ${questions.length} rows -> ${o.out}\n`);
      } finally {
        await images.close();
      }
    });
}
