/**
 * A small Gemma-style tokenizer.json built in code for the tiny PaliGemma (tiny.ts): the structure of the real Gemma
 * tokenizer (normalizer Replace ' ' -> '▁', no pre-tokenizer, BPE with byte_fallback, decoder Replace + ByteFallback +
 * Fuse) with a vocabulary learnt by classic BPE training on a corpus - by default the questions, prompt and answers
 * of the synthetic sample dataset (src/data/sample), so its questions and answers encode to a few whole-word tokens
 * each ("unanswerable" is one token); any other text falls back to characters and then to bytes.
 * Ids: <pad> 0, <eos> 1, <bos> 2, <unk> 3, "\n" 4, <0x00>..<0xFF> 5..260, single characters, learnt pieces, and
 * <image> last. Training is deterministic: pairs are ranked by count, then by code-point order.
 */

const SPACE = '▁';
const TINY_SPECIALS = ['<pad>', '<eos>', '<bos>', '<unk>'] as const;
const IMAGE_TOKEN = '<image>';

export interface TinyTokenizerFiles {
  /** tokenizer.json content. */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json content. */
  config: Record<string, unknown>;
  vocabSize: number;
  imageTokenId: number;
}

/** Corpus text -> BPE words: split before every '▁' and around "\n" (merges never cross these boundaries). */
function words(text: string): string[] {
  const norm = text.replaceAll(' ', SPACE);
  return norm.split(/(?=▁)|(\n)/u).filter((w): w is string => w !== undefined && w !== '' && w !== '\n');
}

/** Learns up to `maxMerges` merges whose pair occurs at least `minCount` times in the corpus. */
function trainBpe(corpus: readonly string[], maxMerges: number, minCount = 2): { merges: [string, string][]; chars: string[] } {
  const counts = new Map<string, number>();
  for (const line of corpus) for (const w of words(line)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const entries = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const seqs = entries.map(([w]) => [...w]);
  const freq = entries.map(([, n]) => n);
  const chars = [...new Set(seqs.flat())].sort();
  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    const pairs = new Map<string, number>();
    seqs.forEach((s, i) => {
      for (let k = 0; k + 1 < s.length; k++) {
        const key = `${s[k]}\u0000${s[k + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + (freq[i] as number));
      }
    });
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, n] of pairs) if (n > bestCount || (n === bestCount && best !== undefined && key < best)) [best, bestCount] = [key, n];
    if (best === undefined || bestCount < minCount) break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    for (const s of seqs) {
      for (let k = 0; k + 1 < s.length; k++) {
        if (s[k] === a && s[k + 1] === b) s.splice(k, 2, a + b);
      }
    }
  }
  return { merges, chars };
}

const byteToken = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;

const added = (id: number, content: string): Record<string, unknown> => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

/** tokenizer.json + tokenizer_config.json of a BPE vocabulary learnt on `corpus`. */
export function buildTinyTokenizer(corpus: readonly string[], maxMerges = 1200): TinyTokenizerFiles {
  const { merges, chars } = trainBpe(corpus, maxMerges);
  const vocab: Record<string, number> = {};
  const push = (tok: string): void => {
    if (!(tok in vocab)) vocab[tok] = Object.keys(vocab).length;
  };
  TINY_SPECIALS.forEach(push);
  push('\n');
  for (let b = 0; b < 256; b++) push(byteToken(b));
  const ascii = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i));
  [SPACE, ...ascii, ...chars].forEach(push);
  for (const [a, b] of merges) push(a + b);
  push(IMAGE_TOKEN);
  const imageTokenId = vocab[IMAGE_TOKEN] as number;
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...TINY_SPECIALS.map((t, i) => added(i, t)), added(imageTokenId, IMAGE_TOKEN)],
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: SPACE },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<bos>': { id: '<bos>', ids: [2], tokens: ['<bos>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [{ type: 'Replace', pattern: { String: SPACE }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const config = {
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<bos>',
    eos_token: '<eos>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    padding_side: 'left',
    tokenizer_class: 'GemmaTokenizer',
  };
  return { tokenizer, config, vocabSize: imageTokenId + 1, imageTokenId };
}
