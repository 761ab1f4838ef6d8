/**
 * The `vizwiz` command line: one small module per subcommand, all thin wrappers over the library.
 * This module is the error boundary: a VizWizError (bad input, missing file) prints one line on stderr and exits 1;
 * anything else is a bug and prints its stack.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { VizWizError } from '../errors.js';
import { compareCommand } from './compare.js';
import { evalCommand } from './eval.js';
import { extractCommand } from './extract.js';
import { finetuneCommand } from './finetune.js';
import { predictCommand } from './predict.js';
import { trainCommand } from './train.js';
import { sampleCommand } from './sample.js';
import { serveCommand } from './serve.js';
import { packageVersion } from '../provenance.js';

export function buildProgram(): Command {
  return new Command('vizwiz')
    .description('Train, evaluate and compare visual-question-answering models on VizWiz.')
    .version(packageVersion())
    .addCommand(compareCommand())
    .addCommand(sampleCommand())
    .addCommand(evalCommand())
    .addCommand(extractCommand())
    .addCommand(trainCommand())
    .addCommand(finetuneCommand())
    .addCommand(predictCommand())
    .addCommand(serveCommand())
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the usage problem (or the help / version text, exit code 0)
      return err.exitCode;
    }
    if (err instanceof VizWizError) {
      process.stderr.write(`vizwiz: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runCli(process.argv);
}
