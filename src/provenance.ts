/**
 * Provenance for results files: package versions, git commit, Node version. Every run records these so a number
 * in a report can be traced to the code and libraries that produced it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

function readPackageJson(): { version: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
  };
}

export function packageVersion(): string {
  return readPackageJson().version;
}

/**
 * The installed version of package `name`, read from its package.json in the folders Node searches for it. Loading
 * `name/package.json` through require fails for packages whose `exports` map does not list it (commander, sharp,
 * @huggingface/hub, @huggingface/tokenizers), which made them "unknown"; reading the file needs no export.
 */
export function installedVersion(name: string): string | undefined {
  for (const dir of require.resolve.paths(name) ?? []) {
    const file = join(dir, name, 'package.json');
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: unknown };
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // unreadable: keep looking further up
    }
  }
  return undefined;
}

/** Installed versions of the runtime dependencies ("not installed" for one that is missing). */
export function dependencyVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(readPackageJson().dependencies ?? {})) {
    out[name] = installedVersion(name) ?? 'not installed';
  }
  return out;
}

/** The git commit of the toolkit's checkout, or undefined outside a git checkout. */
function gitCommit(): string | undefined {
  try {
    const cwd = new URL('..', import.meta.url).pathname;
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return head.toString().trim() + (dirty.toString().trim() ? '-dirty' : '');
  } catch {
    return undefined;
  }
}

export interface Provenance {
  vizwiz: string;
  node: string;
  dependencies: Record<string, string>;
  gitCommit: string | undefined;
  createdAt: string;
}

export function provenance(): Provenance {
  return {
    vizwiz: packageVersion(),
    node: process.version,
    dependencies: dependencyVersions(),
    gitCommit: gitCommit(),
    createdAt: new Date().toISOString(),
  };
}
