/**
 * Resumable training state on disk:
 *   OUT/checkpoints/epoch-0007/{params,optimizer}.safetensors   parameters and optimizer state after epoch 7
 *   OUT/state.json                                            which checkpoint is current (+ steps, best epoch)
 *   OUT/best/params.safetensors, OUT/best/meta.json           the best epoch's parameters (by val accuracy)
 * state.json is replaced atomically only after the checkpoint it names is complete, so a kill at any moment leaves
 * a consistent state; older checkpoint folders are removed after the switch.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VizWizError } from '../errors.js';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '../engine/safetensors.js';
import type { ParamSpec } from '../engine/model.js';
import { writeJsonAtomic } from '../io/atomic-write.js';

export interface BestEpoch {
  epoch: number;
  valAccuracy: number;
}

export interface TrainState {
  /** Epochs completed (1-based count). */
  epoch: number;
  /** Optimizer steps taken. */
  steps: number;
  /** Folder under checkpoints/ holding this state's tensors. */
  checkpoint: string;
  best: BestEpoch | null;
  /** Trainer-specific state beside the tensors (a fine-tune's loss scale); absent when the trainer has none. */
  extra?: Readonly<Record<string, unknown>>;
}

export interface Checkpoint {
  state: TrainState;
  params: Map<string, Float32Array>;
  optimizer: Map<string, Float32Array>;
}

function tensors(values: ReadonlyMap<string, Float32Array>, shapeOf: (name: string) => readonly number[]): Map<string, TensorToWrite> {
  const out = new Map<string, TensorToWrite>();
  for (const [name, data] of values) out.set(name, { dtype: 'F32', shape: shapeOf(name), data });
  return out;
}

/** Shape lookup for parameters and `<slot>.<param>` optimizer state. */
export function shapeLookup(specs: readonly ParamSpec[]): (name: string) => readonly number[] {
  const shapes = new Map(specs.map((s) => [s.name, s.shape]));
  return (name) => {
    const direct = shapes.get(name);
    if (direct) return direct;
    const param = name.slice(name.indexOf('.') + 1);
    const shape = shapes.get(param);
    if (!shape) throw new Error(`no parameter shape for '${name}'`);
    return shape;
  };
}

export async function saveCheckpoint(
  out: string,
  state: Omit<TrainState, 'checkpoint'>,
  params: ReadonlyMap<string, Float32Array>,
  optimizer: ReadonlyMap<string, Float32Array>,
  shapeOf: (name: string) => readonly number[],
): Promise<void> {
  const name = `epoch-${String(state.epoch).padStart(4, '0')}`;
  const dir = join(out, 'checkpoints', name);
  await mkdir(dir, { recursive: true });
  await writeSafetensors(join(dir, 'params.safetensors'), tensors(params, shapeOf));
  await writeSafetensors(join(dir, 'optimizer.safetensors'), tensors(optimizer, shapeOf));
  await writeJsonAtomic(join(out, 'state.json'), { ...state, checkpoint: name });
  for (const old of await readdir(join(out, 'checkpoints'))) {
    if (old !== name) await rm(join(out, 'checkpoints', old), { recursive: true, force: true });
  }
}

function floats(map: Awaited<ReturnType<typeof readSafetensors>>): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of map) if (t.data instanceof Float32Array) out.set(name, t.data);
  return out;
}

/** The current checkpoint, or undefined when training has not completed an epoch yet. */
export async function loadCheckpoint(out: string): Promise<Checkpoint | undefined> {
  const stateFile = join(out, 'state.json');
  if (!existsSync(stateFile)) return undefined;
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as TrainState;
  const dir = join(out, 'checkpoints', state.checkpoint);
  if (!existsSync(join(dir, 'params.safetensors'))) {
    throw new VizWizError('INVALID_CHECKPOINT', `${stateFile} names ${dir}, which is missing; remove ${out} to start over`);
  }
  return {
    state,
    params: floats(await readSafetensors(join(dir, 'params.safetensors'))),
    optimizer: floats(await readSafetensors(join(dir, 'optimizer.safetensors'))),
  };
}

export async function saveBest(
  out: string,
  best: BestEpoch,
  params: ReadonlyMap<string, Float32Array>,
  shapeOf: (name: string) => readonly number[],
): Promise<void> {
  await mkdir(join(out, 'best'), { recursive: true });
  await writeSafetensors(join(out, 'best', 'params.safetensors'), tensors(params, shapeOf));
  await writeJsonAtomic(join(out, 'best', 'meta.json'), best);
}

export async function loadParams(file: string): Promise<Map<string, Float32Array>> {
  return floats(await readSafetensors(file));
}
