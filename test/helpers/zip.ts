/** Writes small zip files for tests (yazl), including deliberately malicious ones. */
import { writeFile } from 'node:fs/promises';
import yazl from 'yazl';

/** Zips `files` (name -> content) into a Buffer. */
export async function zipBuffer(files: Record<string, string | Buffer>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) {
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), name);
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function writeZip(path: string, files: Record<string, string | Buffer>): Promise<void> {
  await writeFile(path, await zipBuffer(files));
}

/**
 * A zip holding an entry whose stored name is `evilName` (which yazl itself refuses to write): the entry is
 * written under a same-length placeholder and the name bytes are patched in the local and central headers.
 */
export async function writeZipWithRawName(path: string, evilName: string): Promise<void> {
  const placeholder = 'x'.repeat(evilName.length);
  const buf = await zipBuffer({ [placeholder]: 'payload', 'ok.jpg': 'fine' });
  const from = Buffer.from(placeholder);
  const to = Buffer.from(evilName);
  assertSameLength(from, to);
  let at = buf.indexOf(from);
  while (at !== -1) {
    to.copy(buf, at);
    at = buf.indexOf(from, at + to.length);
  }
  await writeFile(path, buf);
}

function assertSameLength(a: Buffer, b: Buffer): void {
  if (a.length !== b.length) throw new Error('placeholder and name must have the same byte length');
}

/**
 * Rewrites the uncompressed size that the zip headers (central directory and local header) declare for `entry`,
 * leaving the compressed data alone: a zip whose header lies about how large the entry inflates.
 */
export function patchDeclaredSize(zip: Buffer, entry: string, size: number): Buffer {
  const out = Buffer.from(zip);
  const name = Buffer.from(entry);
  for (let at = out.indexOf(CENTRAL_SIGNATURE); at !== -1; at = out.indexOf(CENTRAL_SIGNATURE, at + 4)) {
    const nameLength = out.readUInt16LE(at + 28);
    if (!out.subarray(at + 46, at + 46 + nameLength).equals(name)) continue;
    out.writeUInt32LE(size, at + 24);
    const local = out.readUInt32LE(at + 42);
    if (out.readUInt32LE(local) !== 0x04034b50) throw new Error('no local header where the central directory says');
    if (out.readUInt32LE(local + 22) !== 0) out.writeUInt32LE(size, local + 22);
    return out;
  }
  throw new Error(`no central directory entry named ${entry}`);
}

const CENTRAL_SIGNATURE = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
