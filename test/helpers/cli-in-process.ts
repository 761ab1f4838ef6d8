/**
 * Runs the CLI in this process, capturing its stderr (the one-line errors, progress). Its stdout is left alone: the
 * test runner reports results through this process's stdout, and capturing it would hide them.
 */
import { runCli } from '../../src/cli/main.js';

export async function cliInProcess(args: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = '';
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { status: await runCli(['node', 'vizwiz', ...args]), stderr };
  } finally {
    process.stderr.write = original;
  }
}
