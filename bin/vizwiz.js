#!/usr/bin/env node
// The `vizwiz` command: runs the compiled CLI (built by `npm ci` / `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  console.error('vizwiz: the CLI is not built yet; run `npm run build` (npm ci does it for you)');
  process.exit(1);
}
const { runCli } = await import(main);
process.exitCode = await runCli(process.argv);
