/**
 * Every kind of graph the toolkit builds, at a tiny size, for the placement report (`vizwiz doctor --device`,
 * engine/placement.ts): the encoders' inference graphs (CLIP vision and text, ResNet-50, SigLIP), PaliGemma's
 * generation graphs (image features, Gemma prefill on embeddings, cached decode), its LoRA training graphs (the fused
 * train step of LoraTrainer, the gradients graph and AdamW update graph of src/finetune, the validation loss; the
 * first two also in mixed precision, float16), the heads' graphs (the epoch loop of src/train with dropout, their
 * evaluation graph), and the inference graphs that WebGPU runs with ONNX Runtime's fused kernels (`*-fused`, decision
 * 012). Each is built by the same model
 * code and graph builder, with the same options, as the runner that uses it; which provider runs a node depends on
 * its op type, dtypes and constants, not on the sizes, so tiny configs place like real ones.
 */

import type { Device } from '../engine/device.js';
import { buildGradients } from '../engine/gradients-graph.js';
import { buildInference } from '../engine/inference.js';
import { adam, adamw } from '../engine/optim.js';
import { buildOptimizerUpdate } from '../engine/optimizer-graph.js';
import { buildClippedUpdate } from '../engine/clipped-update-graph.js';
import { buildGradientSum } from '../engine/gradient-sum-graph.js';
import { measurePlacement, placementProbe, type GraphPlacement, type PlacementProbe } from '../engine/placement.js';
import { VizWizError } from '../errors.js';
import { buildTrainLoop } from '../engine/train-loop.js';
import { buildTrainStep } from '../engine/train-step.js';
import { parseClipConfig } from './clip/config.js';
import { clipTextModel, clipVisionModel } from './clip/model.js';
import { TINY_CLIP_CONFIG } from './clip/tiny.js';
import { gemmaCachedModel } from './gemma/cache-graphs.js';
import { HEADS } from './heads/registry.js';
import { loraConfig } from './lora/config.js';
import { paligemmaLoraModel, paligemmaLoraSet } from './lora/paligemma-lora.js';
import { paligemmaConfigFromHf } from './paligemma/config.js';
import { imageFeaturesModel } from './paligemma/features-model.js';
import { selectedRowsLoss } from './paligemma/loss.js';
import { LEGACY_PREFIXES } from './paligemma/names.js';
import { tinyPaligemmaConfig } from './paligemma/tiny.js';
import { resnetModel } from './resnet/model.js';
import { TINY_RESNET50 } from './resnet/tiny.js';
import { siglipVisionModel } from './siglip/model.js';

export interface CatalogueGraph {
  /** Short id, e.g. 'lora-train-step'. */
  readonly name: string;
  /** Which part of the toolkit runs it. */
  readonly usedBy: string;
  probe(device: Device): PlacementProbe;
}

const HEAD_DIMS = { imageDim: 12, textDim: 8, hidden: 6, numAnswers: 10, numTypes: 4, answerableHidden: 5 };

/** The catalogue, in pipeline order. */
export function toolkitGraphs(): CatalogueGraph[] {
  const clip = parseClipConfig(TINY_CLIP_CONFIG);
  const pg = paligemmaConfigFromHf(tinyPaligemmaConfig(64, 63));
  const p = LEGACY_PREFIXES;
  const set = paligemmaLoraSet(pg, p, loraConfig());
  const lora = paligemmaLoraModel(pg, p, set);
  const loss = selectedRowsLoss();
  const inference = (name: string, usedBy: string, build: () => ReturnType<typeof buildInference>, o: { placement?: 'initializers' } = {}): CatalogueGraph => ({
    name,
    usedBy,
    probe: (device) => {
      const g = build();
      return placementProbe(name, g.bytes, g.weights, device, o);
    },
  });
  const vision = clip.vision;
  const text = clip.text;
  if (!vision || !text) throw new Error('the tiny CLIP config lacks a tower');
  return [
    inference('clip-vision', 'extract (clip-vit-l14-336 images)', () => buildInference(clipVisionModel(vision), { outputs: ['image_embeds_normalized'] })),
    inference('clip-text', 'extract (clip-vit-l14-336 questions)', () => buildInference(clipTextModel(text), { outputs: ['text_embeds_normalized'] })),
    inference('clip-vision-f16', 'extract --dtype f16 (clip-vit-l14-336 images)', () =>
      buildInference(clipVisionModel(vision), { outputs: ['image_embeds_normalized'], dtype: 'float16' }),
    ),
    inference('clip-text-f16', 'extract --dtype f16 (clip-vit-l14-336 questions)', () =>
      buildInference(clipTextModel(text), { outputs: ['text_embeds_normalized'], dtype: 'float16' }),
    ),
    inference('resnet50', 'extract (resnet50)', () => buildInference(resnetModel(TINY_RESNET50, { imageSize: 32, foldedBn: true }), { outputs: ['pooled'] }), {
      placement: 'initializers',
    }),
    inference('siglip-vision', 'PaliGemma (vision tower)', () => buildInference(siglipVisionModel(pg.vision, { prefix: p.vision }))),
    inference('paligemma-image-features', 'predict / finetune validation (PaliGemma generation)', () => buildInference(imageFeaturesModel(pg, p))),
    inference('gemma-cached', 'PaliGemma generation (prefill and cached decode)', () =>
      buildInference(gemmaCachedModel(pg.text, { prefix: p.text, input: 'embeds' })),
    ),
    inference('paligemma-image-features-f16', 'predict / serve --dtype f16 (PaliGemma image features)', () =>
      buildInference(imageFeaturesModel(pg, p), { dtype: 'float16' }),
    ),
    inference('gemma-cached-f16', 'predict / serve --dtype f16 (PaliGemma prefill and cached decode)', () =>
      buildInference(gemmaCachedModel(pg.text, { prefix: p.text, input: 'embeds' }), { dtype: 'float16' }),
    ),
    // The same inference graphs with ONNX Runtime's fused kernels, as the runners build them on WebGPU (decision 012).
    inference('clip-vision-fused', 'extract --device webgpu (clip-vit-l14-336 images)', () =>
      buildInference(clipVisionModel(vision), { outputs: ['image_embeds_normalized'], fused: true }),
    ),
    inference('clip-text-fused', 'extract --device webgpu (clip-vit-l14-336 questions)', () =>
      buildInference(clipTextModel(text), { outputs: ['text_embeds_normalized'], fused: true }),
    ),
    inference('paligemma-image-features-fused', 'predict / serve --device webgpu (PaliGemma image features)', () =>
      buildInference(imageFeaturesModel(pg, p), { fused: true }),
    ),
    inference('gemma-cached-fused', 'predict / serve --device webgpu (PaliGemma prefill and cached decode)', () =>
      buildInference(gemmaCachedModel(pg.text, { prefix: p.text, input: 'embeds' }), { fused: true }),
    ),
    inference('gemma-cached-f16-fused', 'predict / serve --device webgpu --dtype f16 (PaliGemma prefill and cached decode)', () =>
      buildInference(gemmaCachedModel(pg.text, { prefix: p.text, input: 'embeds' }), { dtype: 'float16', fused: true }),
    ),
    {
      name: 'lora-train-step',
      usedBy: 'LoraTrainer (fused forward, backward, AdamW)',
      probe: (device) => {
        const g = buildTrainStep(lora, loss, adamw({ weightDecay: 1e-6 }), { exposeGradients: false, dropout: false });
        return placementProbe('lora-train-step', g.bytes, g.frozen, device);
      },
    },
    {
      name: 'lora-gradients',
      usedBy: 'finetune (micro-batch gradients)',
      probe: (device) => {
        const g = buildGradients(lora, loss, { dropout: false });
        return placementProbe('lora-gradients', g.bytes, g.frozen, device);
      },
    },
    {
      name: 'lora-train-step-f16',
      usedBy: 'LoraTrainer { dtype: float16 } (mixed precision, loss scaling)',
      probe: (device) => {
        const g = buildTrainStep(lora, loss, adamw({ weightDecay: 1e-6 }), { exposeGradients: false, dropout: false, dtype: 'float16' });
        return placementProbe('lora-train-step-f16', g.bytes, g.frozen, device);
      },
    },
    {
      name: 'lora-gradients-f16',
      usedBy: 'finetune --dtype f16 (micro-batch gradients, mixed precision)',
      probe: (device) => {
        const g = buildGradients(lora, loss, { dropout: false, dtype: 'float16' });
        return placementProbe('lora-gradients-f16', g.bytes, g.frozen, device);
      },
    },
    {
      name: 'lora-optimizer-update',
      usedBy: 'finetune (AdamW update)',
      probe: (device) => placementProbe('lora-optimizer-update', buildOptimizerUpdate(lora.params, adamw({ weightDecay: 1e-6 })).bytes, [], device),
    },
    {
      name: 'lora-gradient-sum',
      usedBy: 'finetune --device webgpu (gradient accumulation on the device)',
      probe: (device) => placementProbe('lora-gradient-sum', buildGradientSum(lora.params), [], device),
    },
    {
      name: 'lora-clipped-update',
      usedBy: 'finetune --device webgpu (global norm, clipping and AdamW on the device)',
      probe: (device) => placementProbe('lora-clipped-update', buildClippedUpdate(lora.params, adamw({ weightDecay: 1e-6 })), [], device),
    },
    inference('lora-validation-loss', 'finetune (validation loss)', () => buildInference(lora, { outputs: [], loss })),
    inference('lora-validation-loss-f16', 'finetune --dtype f16 (validation loss)', () => buildInference(lora, { outputs: [], loss, dtype: 'float16' })),
    {
      name: 'heads-epoch-loop',
      usedBy: 'train (clip-linear, Adam, dropout)',
      probe: (device) => {
        const head = HEADS['clip-linear'];
        const g = buildTrainLoop(head.model(HEAD_DIMS), head.loss(HEAD_DIMS), adam());
        return placementProbe('heads-epoch-loop', g.bytes, g.frozen, device);
      },
    },
    {
      name: 'baseline-epoch-loop',
      usedBy: 'train (baseline, Adam, dropout)',
      probe: (device) => {
        const head = HEADS.baseline;
        const dims = { imageDim: 12, questionDim: 8, numAnswers: 10 };
        const g = buildTrainLoop(head.model(dims), head.loss(dims), adam());
        return placementProbe('baseline-epoch-loop', g.bytes, g.frozen, device);
      },
    },
    {
      name: 'heads-evaluation',
      usedBy: 'train (validation loss and logits)',
      probe: (device) => {
        const head = HEADS['clip-linear'];
        const model = head.model(HEAD_DIMS);
        const g = buildInference(model, { loss: head.loss(HEAD_DIMS), outputs: ['answer_logits', 'answerable_logit'] });
        return placementProbe('heads-evaluation', g.bytes, g.weights, device, { mutable: model.params.map((s) => s.name) });
      },
    },
  ];
}

export interface PlacementReportOptions {
  /** Graph names to place (default all, in catalogue order). */
  only?: readonly string[];
  /** Called before each graph is placed (progress). */
  onGraph?: (name: string, index: number, count: number) => void;
}

/** Places every graph of the catalogue (or `only` those) on `device`, one child process each. */
export async function placeToolkitGraphs(device: Device, o: PlacementReportOptions = {}): Promise<GraphPlacement[]> {
  const all = toolkitGraphs();
  const unknown = (o.only ?? []).filter((n) => !all.some((g) => g.name === n));
  if (unknown.length > 0) throw new VizWizError('USAGE', `unknown graph(s) ${unknown.join(', ')}: choose from ${all.map((g) => g.name).join(', ')}`);
  const chosen = o.only ? all.filter((g) => o.only?.includes(g.name)) : all;
  const out: GraphPlacement[] = [];
  for (const [i, g] of chosen.entries()) {
    o.onGraph?.(g.name, i, chosen.length);
    out.push(await measurePlacement(g.probe(device), { device }));
  }
  return out;
}
