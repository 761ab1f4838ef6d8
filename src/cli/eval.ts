/**
 * `vizwiz eval`: scores a submission file against a train/val annotation file with the official VizWiz-VQA metric
 * (or the seed variant) and prints a table, or with --json exactly one JSON object on stdout.
 */
import { Command, Option } from 'commander';
import { ACCURACY_METRICS, type AccuracyMetric } from '../eval/accuracy.js';
import { evaluateFiles } from '../eval/evaluate-files.js';
import { formatEvaluationTable, summarize } from '../eval/format.js';

interface EvalOptions {
  annotations: string;
  predictions: string;
  metric: AccuracyMetric;
  normalizeGt: boolean;
  json: boolean;
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('Score predictions (official submission format) against VizWiz train/val annotations.')
    .requiredOption('--annotations <file>', 'train/val annotation file (JSON)')
    .requiredOption('--predictions <file>', 'predictions: [{"image", "answer", "answerable"?}]')
    .addOption(
      new Option('--metric <name>', 'accuracy variant: official = leave-one-out, seed = min(1, n/3)').choices([...ACCURACY_METRICS]).default('official'),
    )
    .option('--normalize-gt', 'also normalise ground-truth answers (lmms-eval style; the official code does not)', false)
    .option('--json', 'print one JSON object instead of a table', false)
    .action(async (opts: EvalOptions) => {
      const result = await evaluateFiles(opts.annotations, opts.predictions, {
        metric: opts.metric,
        normalizeGroundTruth: opts.normalizeGt,
      });
      process.stdout.write(opts.json ? `${JSON.stringify(summarize(result))}\n` : formatEvaluationTable(result));
    });
}
