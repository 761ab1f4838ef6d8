/**
 * `vizwiz sample --out DIR [--n N] [--seed S] [--zip] [--size PX]`: writes the synthetic, learnable
 * VizWiz-format sample dataset (official layout) and prints a one-line summary on stderr.
 */

import { Command } from 'commander';
import { claimOutputFolder } from './output.js';
import { parseWhole } from './options.js';
import { formatSummary, generateSample, MIN_QUESTIONS, SAMPLE_DEFAULTS } from '../data/sample/index.js';

interface SampleCliOptions {
  out: string;
  n: string;
  seed: string;
  zip?: boolean;
  size: string;
}

export function sampleCommand(writeLine: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Command {
  return new Command('sample')
    .description('Write a synthetic, learnable VizWiz-format dataset (Annotations/*.json + train/val/test images).')
    .requiredOption('--out <dir>', 'output folder')
    .option('--n <n>', 'total number of questions (split ~70/15/15 into train/val/test)', String(SAMPLE_DEFAULTS.n))
    .option('--seed <s>', 'random seed: the same seed writes byte-identical files', String(SAMPLE_DEFAULTS.seed))
    .option('--zip', 'write Annotations.zip, train.zip, val.zip and test.zip like the official release')
    .option('--size <px>', 'image width and height in pixels', String(SAMPLE_DEFAULTS.imageSize))
    .action(async (opts: SampleCliOptions) => {
      const n = parseWhole(opts.n, '--n', MIN_QUESTIONS);
      const seed = parseWhole(opts.seed, '--seed', Number.MIN_SAFE_INTEGER);
      const imageSize = parseWhole(opts.size, '--size', 64, 512);
      await claimOutputFolder(opts.out, 'sample');
      const summary = await generateSample({ out: opts.out, n, seed, imageSize, zip: opts.zip === true });
      writeLine(formatSummary(summary));
    });
}
