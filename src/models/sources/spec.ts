/**
 * Model source strings: a local path (a folder with config.json, tokenizer files and safetensors weights, or a
 * single checkpoint file) or `hf:org/repo[@revision]`, a Hugging Face hub repository at a branch, tag or commit
 * (default `main`; revisions may contain slashes, e.g. `hf:org/repo@refs/pr/12`).
 */
import { VizWizError } from '../../errors.js';

export type ModelSourceSpec =
  { readonly kind: 'local'; readonly path: string } | { readonly kind: 'hub'; readonly repo: string; readonly revision: string; readonly text: string };

const HUB_PREFIX = 'hf:';
const REPO = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
const REVISION = /^[\w.\-/]+$/;

export function parseModelSource(text: string): ModelSourceSpec {
  if (!text.startsWith(HUB_PREFIX)) {
    if (text.trim() === '') throw new VizWizError('INVALID_ARGUMENT', 'model source is empty: pass a folder or hf:org/repo[@revision]');
    return { kind: 'local', path: text };
  }
  const body = text.slice(HUB_PREFIX.length).replace(/^\/\//, '');
  const at = body.indexOf('@');
  const repo = at < 0 ? body : body.slice(0, at);
  const revision = at < 0 ? 'main' : body.slice(at + 1);
  if (!REPO.test(repo) || repo.includes('..')) {
    throw new VizWizError('INVALID_ARGUMENT', `model source "${text}": expected hf:org/repo or hf:org/repo@revision`);
  }
  if (!REVISION.test(revision) || revision.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new VizWizError('INVALID_ARGUMENT', `model source "${text}": "${revision}" is not a valid revision (a branch, tag or commit)`);
  }
  return { kind: 'hub', repo, revision, text: `${HUB_PREFIX}${repo}@${revision}` };
}
