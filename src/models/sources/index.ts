/**
 * Model sources and weights: resolve a local folder or `hf:org/repo[@revision]` to a folder (downloading once into
 * the cache), then read its safetensors tensor by tensor by Hugging Face name.
 */
export { parseModelSource, type ModelSourceSpec } from './spec.js';
export { defaultCacheDir, offlineFromEnv } from './hub-cache.js';
export { createHubClient, HubUnreachable, type HubClient, type HubClientOptions, type RepoSnapshot } from './hub-client.js';
export { MODEL_FILES, resolveModelSource, type ResolvedSource, type ResolveOptions } from './resolve.js';
export { readModelJson } from './model-files.js';
export { findCheckpoint, type CheckpointFiles } from './weight-files.js';
export { WeightStore, type WeightInfo } from './weights.js';
