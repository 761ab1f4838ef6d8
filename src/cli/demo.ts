/**
 * `vizwiz demo [--out DIR] [--n N] [--seed S]`: the main job on the embedded default (see src/demo.ts).
 */
import { Command } from 'commander';
import { runDemo } from '../demo.js';
import { parseWhole } from './options.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run the main job on the embedded default: sample dataset, trivial predictor, official evaluation.')
    .option('--out <dir>', 'output folder', 'runs/demo')
    .option('--n <n>', 'questions in the sample dataset', '300')
    .option('--seed <s>', 'seed of the sample dataset', '0')
    .action(async (opts: { out: string; n: string; seed: string }) => {
      const { table, results } = await runDemo({
        out: opts.out,
        n: parseWhole(opts.n, '--n', 4),
        seed: parseWhole(opts.seed, '--seed', Number.MIN_SAFE_INTEGER),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${table}\n\nresults: ${opts.out}/results.json (overall ${results.official.overall})\n`);
    });
}
