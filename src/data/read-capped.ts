/**
 * Reading a stream into memory with a hard ceiling. The bytes are counted as they arrive (for a zip entry: as they are
 * inflated), so a size that a header declares is never trusted: on the first chunk that would pass the ceiling the
 * stream is destroyed and the caller's error is thrown. Memory holds at most `maxBytes`, never the whole stream.
 */
import type { Readable } from 'node:stream';

/**
 * Reads `stream` to its end into one Buffer. Throws `tooLarge()` as soon as more than `maxBytes` arrive (the stream is
 * destroyed, nothing more is read); errors of the stream itself are passed to `failed(err)`, which returns the error to throw.
 */
export async function readCapped(stream: Readable, maxBytes: number, tooLarge: () => Error, failed: (err: unknown) => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      if (total + bytes.length > maxBytes) {
        stream.destroy();
        throw new CapExceeded();
      }
      total += bytes.length;
      chunks.push(bytes);
    }
  } catch (err) {
    if (err instanceof CapExceeded) throw tooLarge();
    throw failed(err);
  }
  return Buffer.concat(chunks, total);
}

/** Marks the ceiling inside the loop, so that the stream's own errors and ours are told apart. */
class CapExceeded extends Error {}
