/**
 * `vizwiz demo [--out DIR] [--n N] [--seed S]`: the main job on the embedded default (see src/demo.ts).
 */
import { Command } from 'commander';
import { runDemo } from '../demo.js';
import { parseWhole } from './options.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('Run the main job on the embedded default: sample dataset, features, three models, official evaluation.')
    .option('--out <dir>', 'output folder', 'runs/demo')
    .option('--n <n>', 'questions in the sample dataset', '1000')
    .option('--seed <s>', 'seed of the sample dataset and of training', '0')
    .option('--epochs <n>', 'training epochs of each head', '30')
    .action(async (opts: { out: string; n: string; seed: string; epochs: string }) => {
      const { table } = await runDemo({
        out: opts.out,
        n: parseWhole(opts.n, '--n', 20),
        seed: parseWhole(opts.seed, '--seed', 0),
        epochs: parseWhole(opts.epochs, '--epochs', 1),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${table}\n\nresults: ${opts.out}/results.json\n`);
    });
}
