/**
 * The `vizwiz` command line: one small module per subcommand, all thin wrappers over the library.
 * This module is the error boundary: a usage error (an unknown option, a bad option value: commander's or a USAGE
 * VizWizError) exits 2; a VizWizError (bad input, missing file) or a file-system error of the user's disk or paths
 * (src/io/fs-errors.ts: permissions, read-only or full disk, a file where a folder should be) prints one line on
 * stderr and exits 1; anything else is a bug and prints its stack. Run locks taken by the command
 * (src/cli/output.ts) are released when it ends, however it ends, and its --verbose switch is undone.
 */
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { VizWizError } from '../errors.js';
import { fileSystemError } from '../io/fs-errors.js';
import { releaseHeldLocks } from '../io/run-lock.js';
import { endVerboseSessions, verboseSessions } from './options.js';
import { compareCommand } from './compare.js';
import { doctorCommand } from './doctor.js';
import { evalCommand } from './eval.js';
import { extractCommand } from './extract.js';
import { finetuneCommand } from './finetune.js';
import { mergeCommand } from './merge.js';
import { predictCommand } from './predict.js';
import { trainCommand } from './train.js';
import { sampleCommand } from './sample.js';
import { serveCommand } from './serve.js';
import { packageVersion } from '../provenance.js';

export function buildProgram(): Command {
  const program = new Command('vizwiz')
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
    .addCommand(mergeCommand())
    .addCommand(doctorCommand())
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .hook('preAction', (_program, command) => verboseSessions(command.opts().verbose === true));
  // Subcommands added with addCommand do not inherit these: without them commander exits by itself, with code 1.
  for (const command of program.commands) command.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

/** Exit code of a command line the command cannot run (as POSIX utilities use it). */
const USAGE_EXIT = 2;

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed the usage problem (or the help / version text, exit code 0)
      return err.exitCode === 0 ? 0 : USAGE_EXIT;
    }
    const userError = err instanceof VizWizError ? err : fileSystemError(err);
    if (userError !== undefined) {
      process.stderr.write(`vizwiz: ${userError.message.replace(/\s*\n\s*/g, ' ')}\n`);
      if (userError.code === 'USAGE') {
        process.stderr.write('(run with --help for usage)\n');
        return USAGE_EXIT;
      }
      return 1;
    }
    throw err;
  } finally {
    endVerboseSessions();
    releaseHeldLocks();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runCli(process.argv);
}
