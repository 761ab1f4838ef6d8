/**
 * The typed configuration of a pre-LayerNorm transformer encoder stack (CLIP's towers, SigLIP's vision tower), and the
 * mapping from Hugging Face `hidden_act` strings to the MLP activations the blocks implement.
 */

/** quick_gelu: x * sigmoid(1.702 x) (CLIP); gelu_tanh: the tanh approximation (SigLIP); gelu: the exact erf form. */
export type MlpActivation = 'quick_gelu' | 'gelu_tanh' | 'gelu';

export interface TransformerConfig {
  hidden: number; // D: 1024 for CLIP ViT-L/14 vision, 768 for its text tower
  layers: number; // 24 / 12
  heads: number; // 16 / 12; head dim = hidden / heads
  intermediate: number; // MLP width: 4096 / 3072
  eps: number; // LayerNorm epsilon: 1e-5
  activation: MlpActivation;
}

const HF_ACTIVATIONS: Readonly<Record<string, MlpActivation>> = {
  quick_gelu: 'quick_gelu',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_new: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  gelu: 'gelu',
};

/** The activation named by a Hugging Face config's `hidden_act`. */
export function activationFromHf(name: string): MlpActivation {
  const a = HF_ACTIVATIONS[name];
  if (!a) throw new Error(`hidden_act '${name}' is not supported (known: ${Object.keys(HF_ACTIVATIONS).join(', ')})`);
  return a;
}

export function headDim(c: TransformerConfig): number {
  if (c.hidden % c.heads !== 0) throw new Error(`hidden size ${c.hidden} is not a multiple of ${c.heads} heads`);
  return c.hidden / c.heads;
}
