/**
 * Gemma parameter names and shapes as Hugging Face writes them, under a prefix: `model.` for GemmaForCausalLM,
 * `language_model.model.` (transformers <= 4.51) or `model.language_model.` (>= 4.52) inside PaliGemma.
 *   <prefix>embed_tokens.weight                                    [V, D] (also the tied output head)
 *   <prefix>layers.N.input_layernorm.weight                        [D]
 *   <prefix>layers.N.self_attn.{q,k,v,o}_proj.weight               [H*hd, D], [KV*hd, D], [KV*hd, D], [D, H*hd]
 *   <prefix>layers.N.post_attention_layernorm.weight               [D]
 *   <prefix>layers.N.mlp.{gate,up,down}_proj.weight                [I, D], [I, D], [D, I]
 *   <prefix>norm.weight                                            [D]
 */

import type { ParamSpec } from '../../engine/model.js';
import { VizWizError } from '../../errors.js';
import type { GemmaConfig } from './config.js';

export const DEFAULT_GEMMA_PREFIX = 'model.';

/** Names of one decoder layer's tensors. */
export interface GemmaLayerNames {
  inputNorm: string;
  q: string;
  k: string;
  v: string;
  o: string;
  postNorm: string;
  gate: string;
  up: string;
  down: string;
}

export interface GemmaNames {
  embed: string;
  layers: GemmaLayerNames[];
  norm: string;
}

export function gemmaNames(c: GemmaConfig, prefix = DEFAULT_GEMMA_PREFIX): GemmaNames {
  const layers = Array.from({ length: c.layers }, (_, i): GemmaLayerNames => {
    const p = `${prefix}layers.${i}.`;
    return {
      inputNorm: `${p}input_layernorm.weight`,
      q: `${p}self_attn.q_proj.weight`,
      k: `${p}self_attn.k_proj.weight`,
      v: `${p}self_attn.v_proj.weight`,
      o: `${p}self_attn.o_proj.weight`,
      postNorm: `${p}post_attention_layernorm.weight`,
      gate: `${p}mlp.gate_proj.weight`,
      up: `${p}mlp.up_proj.weight`,
      down: `${p}mlp.down_proj.weight`,
    };
  });
  return { embed: `${prefix}embed_tokens.weight`, layers, norm: `${prefix}norm.weight` };
}

/**
 * Every parameter with its shape, in Hugging Face module order. Initialisers follow GemmaPreTrainedModel (matrices
 * N(0, initializer_range)) except the RMSNorm weights, which start at 0 so that (1 + w) = 1.
 */
export function gemmaParamSpecs(c: GemmaConfig, prefix = DEFAULT_GEMMA_PREFIX): ParamSpec[] {
  const n = gemmaNames(c, prefix);
  const normal = { kind: 'normal', std: c.initializerRange } as const;
  const zero = { kind: 'constant', value: 0 } as const;
  const [d, q, kv] = [c.hidden, c.heads * c.headDim, c.kvHeads * c.headDim];
  const specs: ParamSpec[] = [{ name: n.embed, shape: [c.vocab, d], init: normal }];
  for (const l of n.layers) {
    specs.push(
      { name: l.q, shape: [q, d], init: normal },
      { name: l.k, shape: [kv, d], init: normal },
      { name: l.v, shape: [kv, d], init: normal },
      { name: l.o, shape: [d, q], init: normal },
      { name: l.gate, shape: [c.intermediate, d], init: normal },
      { name: l.up, shape: [c.intermediate, d], init: normal },
      { name: l.down, shape: [d, c.intermediate], init: normal },
      { name: l.inputNorm, shape: [d], init: zero },
      { name: l.postNorm, shape: [d], init: zero },
    );
  }
  specs.push({ name: n.norm, shape: [d], init: zero });
  return specs;
}

/** The prefix under which a checkpoint stores its Gemma tensors: whatever precedes `embed_tokens.weight`. */
export function detectGemmaPrefix(names: Iterable<string>): string {
  const found: string[] = [];
  for (const name of names) if (name.endsWith('embed_tokens.weight')) found.push(name.slice(0, -'embed_tokens.weight'.length));
  if (found.length === 1) return found[0] as string;
  if (found.length === 0) throw new VizWizError('INVALID_CHECKPOINT', 'no Gemma embedding (`*embed_tokens.weight`) in the checkpoint');
  throw new VizWizError(
    'INVALID_CHECKPOINT',
    `several Gemma embeddings in the checkpoint (prefixes ${found.map((f) => `'${f}'`).join(', ')}); pass the prefix`,
  );
}
