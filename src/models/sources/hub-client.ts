/**
 * The few hub calls that model sources need, behind a small interface so the resolution logic can be tested with a
 * fake: resolve a revision to its commit and file list (one API request), and download one file at a commit.
 * The default client uses @huggingface/hub (auth, redirects, Xet storage) and turns its failures into errors that
 * say what to do: 401/403 -> set HF_TOKEN / accept the licence; 404 -> check the name; no network -> HubUnreachable.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { downloadFile, HubApiError, modelInfo } from '@huggingface/hub';
import { VizWizError } from '../../errors.js';

export interface RepoSnapshot {
  /** The 40-hex commit the revision points at. */
  readonly commit: string;
  /** Every file path in the repository at that commit. */
  readonly files: readonly string[];
}

export interface HubClient {
  snapshot(repo: string, revision: string): Promise<RepoSnapshot>;
  /** Writes `path` of `repo` at `commit` to the file `dest` (the caller renames it into place). */
  download(repo: string, commit: string, path: string, dest: string): Promise<void>;
}

/** The hub could not be reached at all (DNS, connection refused, timeout): the cache may still serve. */
export class HubUnreachable extends Error {
  override readonly name = 'HubUnreachable';
}

export interface HubClientOptions {
  /** Access token for gated or private repos (default: HF_TOKEN or HUGGING_FACE_HUB_TOKEN). */
  token?: string;
  /** Hub URL (default: HF_ENDPOINT or https://huggingface.co). */
  hubUrl?: string;
  fetch?: typeof fetch;
  env?: NodeJS.ProcessEnv;
}

function explain(err: unknown, what: string, hasToken: boolean): Error {
  if (err instanceof HubApiError) {
    const status = err.statusCode;
    if (status === 401 || status === 403) {
      const how = hasToken
        ? "your HF_TOKEN has no access: accept the licence on the model page and check the token's permissions"
        : 'set HF_TOKEN to a token with access (https://huggingface.co/settings/tokens) and accept the licence on the model page';
      return new VizWizError('NOT_FOUND', `${what}: the hub refused access (HTTP ${status}); the repository is gated or private: ${how}`, { cause: err });
    }
    if (status === 404) {
      return new VizWizError(
        'NOT_FOUND',
        `${what}: not found on the hub (HTTP 404): check the repository name and revision${hasToken ? '' : ', or set HF_TOKEN if it is private'}`,
        { cause: err },
      );
    }
    return new VizWizError('NOT_FOUND', `${what}: the hub answered HTTP ${status} (${err.message})`, { cause: err });
  }
  if (
    err instanceof TypeError &&
    /fetch failed|network|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT/i.test(`${err.message} ${String((err as { cause?: unknown }).cause)}`)
  ) {
    return new HubUnreachable(`${what}: cannot reach the Hugging Face hub (${String((err as { cause?: unknown }).cause ?? err.message)})`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function createHubClient(options: HubClientOptions = {}): HubClient {
  const env = options.env ?? process.env;
  const token = options.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (token !== undefined && !token.startsWith('hf_')) {
    throw new VizWizError('INVALID_ARGUMENT', 'HF_TOKEN must be a Hugging Face access token starting with "hf_" (https://huggingface.co/settings/tokens)');
  }
  const common = {
    ...(token ? { accessToken: token } : {}),
    ...((options.hubUrl ?? env.HF_ENDPOINT) ? { hubUrl: options.hubUrl ?? env.HF_ENDPOINT } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  return {
    async snapshot(repo, revision) {
      try {
        const info = await modelInfo({ ...common, name: repo, revision, additionalFields: ['sha', 'filePaths'] });
        if (typeof info.sha !== 'string') throw new Error(`the hub returned no commit for ${repo}@${revision}`);
        return { commit: info.sha, files: info.filePaths ?? [] };
      } catch (err) {
        throw explain(err, `hf:${repo}@${revision}`, token !== undefined);
      }
    },
    async download(repo, commit, path, dest) {
      try {
        const blob = await downloadFile({ ...common, repo, path, revision: commit });
        if (!blob) throw new VizWizError('NOT_FOUND', `hf:${repo}@${commit}: file ${path} is listed but could not be downloaded (404)`);
        await pipeline(Readable.fromWeb(blob.stream() as NodeReadableStream), createWriteStream(dest));
      } catch (err) {
        throw explain(err, `hf:${repo}@${commit}: ${path}`, token !== undefined);
      }
    },
  };
}
