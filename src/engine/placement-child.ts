/**
 * The child process of placement.ts: creates one onnxruntime session over a model file with the toolkit's session
 * options at log severity 0, so that onnxruntime prints where it placed every node (on stdout/stderr, which only a
 * parent process can read), then exits. Usage: `node [loader flags] placement-child.js MODEL DEVICE OPTIMIZATION`.
 */

import * as ort from 'onnxruntime-node';
import { parseDevice } from './device.js';
import { ortSessionOptions, type SessionOptions } from './graph-session.js';

const [model, device, optimization] = process.argv.slice(2);
if (!model || !device) throw new Error('usage: placement-child MODEL DEVICE [OPTIMIZATION]');
const options = ortSessionOptions({ device: parseDevice(device), optimization: (optimization ?? 'all') as SessionOptions['optimization'] });
const session = await ort.InferenceSession.create(model, { ...options, logSeverityLevel: 0 });
await session.release();
