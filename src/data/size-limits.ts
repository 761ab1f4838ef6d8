/**
 * Size limits for what the toolkit reads from a VizWiz release: one image, one annotation file. A zip entry (or a file)
 * over its limit is refused before anything is inflated or read, so a zip bomb (a 1 MB val.zip holding a 1 GiB entry)
 * costs nothing. The defaults leave wide room over the real release: its largest image is a few MB (phone photos, a
 * few tens of MB at the very most) and its annotation files are 10-30 MB (train.json ~ 27 MB); 256 MiB also stays
 * below the longest string V8 can build (0x1fffffe8 characters), so an oversized JSON file is a clear error, not a crash.
 */

export interface SizeLimits {
  /** Largest image (zip entry or file) in bytes. */
  maxImageBytes: number;
  /** Largest annotation file (zip entry or file) in bytes. */
  maxAnnotationBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_SIZE_LIMITS: Readonly<SizeLimits> = {
  maxImageBytes: 64 * MiB,
  maxAnnotationBytes: 256 * MiB,
};

/** "64 MiB", "16 KiB" or "1000 bytes": exact, for limits in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
