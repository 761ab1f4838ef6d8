/**
 * The questions and images of the endpoint tests (the sample dataset's validation split, with answers), the SHA-256
 * of each image for the chaos server, and the text the server answers for each: a record's first answer dressed up
 * the way chat models write it ("The Blue." for "blue"), so the post-processing is exercised.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAnnotations } from '../../src/data/annotations.js';
import { generateSample } from '../../src/data/sample/index.js';
import type { VizWizRecord } from '../../src/data/types.js';

export interface EndpointFixture {
  dir: string;
  annotations: string;
  images: string;
  records: VizWizRecord[];
  imagesBySha: Map<string, string>;
  /** The server's text for an image. */
  answer(image: string): string;
}

export async function endpointFixture(n = 100): Promise<EndpointFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'vizwiz-endpoint-'));
  await generateSample({ out: dir, n, seed: 9 });
  const annotations = join(dir, 'Annotations', 'val.json');
  const images = join(dir, 'val');
  const records = await loadAnnotations(annotations);
  const imagesBySha = new Map<string, string>();
  for (const r of records)
    imagesBySha.set(
      createHash('sha256')
        .update(await readFile(join(images, r.image)))
        .digest('hex'),
      r.image,
    );
  const byImage = new Map(records.map((r, i) => [r.image, [r.answers[0]!.answer, i] as const]));
  const answer = (image: string): string => {
    const [text, i] = byImage.get(image)!;
    return i % 2 === 0 ? ` The ${text[0]!.toUpperCase()}${text.slice(1)}.\n` : text;
  };
  return { dir, annotations, images, records, imagesBySha, answer };
}
