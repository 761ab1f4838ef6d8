/** What the Gemma decoder stack (decoder.ts, and fused-decoder.ts for fused inference graphs) takes and returns. */

import type { Value } from '../../engine/graph.js';
import type { KvPair } from './attention.js';

export interface DecoderInput {
  embeds: Value; // (N, D) unscaled input embeddings, row b*T + t
  positions: Value; // (B, T) int64 position ids
  bias: Value; // (B, T, S) additive attention mask, S = P + T
  past?: readonly KvPair[] | null; // per layer (B, KV, P, hd)
}

export interface DecoderOutput {
  /** HF's output_hidden_states: [scaled embeddings, after layer 0, .., after layer L-2, final], each (N, D). */
  hidden: Value[];
  final: Value; // (N, D) after the final norm
  present: KvPair[]; // per layer (B, KV, S, hd)
}
