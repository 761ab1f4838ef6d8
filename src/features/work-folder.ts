/**
 * The work folder of a resumable extraction, `<out>.parts/` next to the output file:
 * - `manifest.json`: the job's fingerprint, row count and feature sizes, written atomically when the folder is made;
 * - `rows-<start>-<end>.safetensors`: one finished batch each (`image` [n, Di], `text` [n, Dt], skipped images in
 *   the metadata), written to a temp file and renamed, so a part that exists is complete.
 * Killing the process at any moment leaves finished parts plus at most a stray temp file, which the next open
 * removes. Parts that do not fit the manifest (wrong shape, unreadable, overlapping) are dropped and recomputed;
 * a folder made for a different job (fingerprint mismatch), or one whose manifest is gone (a removal cut short), is
 * discarded whole. A folder holding files this module did not write is never deleted.
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { SafetensorsReader, writeSafetensors, type TensorToWrite } from '../engine/safetensors.js';
import type { ImageFailureRecord } from '../images/failure.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { RowRange } from './plan.js';

export interface WorkManifest {
  readonly format: 1;
  readonly fingerprint: string;
  readonly rows: number;
  readonly imageDim: number;
  readonly textDim: number | null;
}

export interface PartData {
  /** [n, imageDim] */
  readonly image: Float32Array;
  /** [n, textDim] when the job has text features. */
  readonly text?: Float32Array;
  readonly failures: readonly ImageFailureRecord[];
}

const PART = /^rows-(\d{9})-(\d{9})\.safetensors$/;
const MANIFEST = 'manifest.json';
const pad = (n: number): string => String(n).padStart(9, '0');

export function workFolderFor(out: string): string {
  return `${out}.parts`;
}

/** Entries this module writes: parts, the manifest, and their temp files. */
function looksOurs(name: string): boolean {
  return name.startsWith('rows-') || name.includes(MANIFEST);
}

/** Removes a work folder (manifest first); a folder holding anything else is left alone. */
export async function removeWorkFolder(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  if (!names.every(looksOurs)) return;
  await rm(join(dir, MANIFEST), { force: true });
  await rm(dir, { recursive: true, force: true });
}

async function readManifest(dir: string): Promise<WorkManifest | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as WorkManifest;
  } catch {
    return undefined;
  }
}

export class WorkFolder {
  private constructor(
    readonly dir: string,
    readonly manifest: WorkManifest,
    private readonly parts: RowRange[],
  ) {}

  /** Opens or creates the work folder for `out`; `log` hears about discarded parts. */
  static async open(out: string, manifest: WorkManifest, log: (line: string) => void): Promise<WorkFolder> {
    const dir = workFolderFor(out);
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch {
      // absent: made below
    }
    if (names.length > 0) {
      const existing = await readManifest(dir);
      if (!existing && !names.every(looksOurs)) {
        throw new VizWizError(
          'INVALID_ARGUMENT',
          `${dir} exists but is not a vizwiz extraction work folder (no readable ${MANIFEST}); remove it or choose another --out`,
        );
      }
      if (existing?.fingerprint !== manifest.fingerprint) {
        const parts = names.filter((n) => PART.test(n)).length;
        const why = existing ? 'they were made from other annotations, images settings or encoder' : `its ${MANIFEST} is missing`;
        log(`extract: discarding ${parts} finished batch(es) in ${dir}: ${why}`);
        await rm(dir, { recursive: true, force: true });
        names = [];
      }
    }
    await mkdir(dir, { recursive: true });
    if (names.length === 0 || !names.includes(MANIFEST)) await writeJsonAtomic(join(dir, MANIFEST), manifest);
    const folder = new WorkFolder(dir, manifest, []);
    await folder.scan(names, log);
    return folder;
  }

  /** Finished row ranges, sorted and non-overlapping. */
  finished(): readonly RowRange[] {
    return this.parts;
  }

  async writePart(range: RowRange, data: PartData): Promise<void> {
    const n = range.end - range.start;
    const tensors: Record<string, TensorToWrite> = { image: { dtype: 'F32', shape: [n, this.manifest.imageDim], data: data.image } };
    if (this.manifest.textDim !== null) {
      if (!data.text) throw new Error(`part ${range.start}-${range.end}: text features missing`);
      tensors.text = { dtype: 'F32', shape: [n, this.manifest.textDim], data: data.text };
    }
    await writeSafetensors(this.path(range), tensors, { failures: JSON.stringify(data.failures) });
    this.parts.push(range);
    this.parts.sort((a, b) => a.start - b.start);
  }

  /** Reads a part into the rows of the full matrices; returns its failure records. */
  async readPart(range: RowRange, image: Float32Array, text: Float32Array | undefined): Promise<ImageFailureRecord[]> {
    const reader = await SafetensorsReader.open(this.path(range));
    try {
      await reader.readF32('image', image.subarray(range.start * this.manifest.imageDim, range.end * this.manifest.imageDim));
      if (text && this.manifest.textDim !== null) {
        await reader.readF32('text', text.subarray(range.start * this.manifest.textDim, range.end * this.manifest.textDim));
      }
      return JSON.parse(reader.metadata.failures ?? '[]') as ImageFailureRecord[];
    } finally {
      await reader.close();
    }
  }

  /** Removes the folder, manifest first: a removal cut short leaves parts that the next open discards. */
  async remove(): Promise<void> {
    await removeWorkFolder(this.dir);
  }

  private path(range: RowRange): string {
    return join(this.dir, `rows-${pad(range.start)}-${pad(range.end)}.safetensors`);
  }

  /** Keeps the parts that fit the manifest; removes temp files, misfits and overlaps. */
  private async scan(names: readonly string[], log: (line: string) => void): Promise<void> {
    const candidates: RowRange[] = [];
    for (const name of names) {
      const m = PART.exec(name);
      if (!m) {
        if (name !== MANIFEST) await rm(join(this.dir, name), { recursive: true, force: true });
        continue;
      }
      const range = { start: Number(m[1]), end: Number(m[2]) };
      if (await this.fits(range)) candidates.push(range);
      else {
        log(`extract: recomputing rows ${range.start}-${range.end}: ${name} does not match this job`);
        await rm(join(this.dir, name), { force: true });
      }
    }
    candidates.sort((a, b) => a.start - b.start || b.end - a.end);
    let end = 0;
    for (const range of candidates) {
      if (range.start >= end) {
        this.parts.push(range);
        end = range.end;
      } else {
        await rm(this.path(range), { force: true });
      }
    }
  }

  private async fits(range: RowRange): Promise<boolean> {
    const { rows, imageDim, textDim } = this.manifest;
    if (!(range.start < range.end && range.end <= rows)) return false;
    const n = range.end - range.start;
    try {
      if ((await stat(this.path(range))).size < 8) return false;
      const reader = await SafetensorsReader.open(this.path(range));
      try {
        const same = (name: string, dim: number): boolean => {
          const t = reader.tensors.get(name);
          return t !== undefined && t.dtype === 'F32' && t.shape.length === 2 && t.shape[0] === n && t.shape[1] === dim;
        };
        return same('image', imageDim) && (textDim === null ? !reader.tensors.has('text') : same('text', textDim));
      } finally {
        await reader.close();
      }
    } catch {
      return false;
    }
  }
}
