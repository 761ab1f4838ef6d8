/**
 * `vizwiz predict --checkpoint DIR --annotations A --features F --out preds.json`: answers every question with a
 * trained head and writes the official submission format, with an `answerable` confidence per entry.
 */
import { Command } from 'commander';
import { loadQuestions } from '../data/annotations.js';
import { parseDevice } from '../engine/device.js';
import { writeSubmission } from '../eval/submission.js';
import { readFeatures } from '../features/feature-file.js';
import { predictHead, readHeadDescription } from '../train/predict.js';
import { parseChoice, parseWhole } from './options.js';

interface PredictCliOptions {
  checkpoint: string;
  annotations: string;
  features: string;
  out: string;
  which: string;
  batchSize: string;
  device: string;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('Answer every question of an annotation file with a trained head (official submission format).')
    .requiredOption('--checkpoint <dir>', 'the --out folder of a vizwiz train run')
    .requiredOption('--annotations <file>', 'annotation JSON (test files without answers are fine)')
    .requiredOption('--features <file>', 'features of the same entries, in the same order')
    .requiredOption('--out <file>', 'predictions JSON to write')
    .option('--which <epoch>', 'best or last epoch', 'best')
    .option('--batch-size <n>', 'inference batch size', '256')
    .option('--device <name>', 'cpu, cuda or webgpu', 'cpu')
    .action(async (o: PredictCliOptions) => {
      const description = await readHeadDescription(o.checkpoint);
      const questions = await loadQuestions(o.annotations);
      const features = await readFeatures(o.features, {
        requireText: description.head === 'clip-linear',
        images: questions.map((q) => q.image),
      });
      const predictions = await predictHead({
        checkpoint: o.checkpoint,
        questions,
        features,
        source: o.features,
        which: parseChoice(o.which, '--which', ['best', 'last'] as const),
        batchSize: parseWhole(o.batchSize, '--batch-size', 1),
        device: parseDevice(o.device),
      });
      await writeSubmission(o.out, predictions);
      process.stderr.write(`predict: ${predictions.length} answers -> ${o.out}\n`);
    });
}
