/**
 * `vizwiz serve [--run DIR | --model paligemma --base SOURCE [--adapter DIR]] [--quality DIR | --no-quality]
 * [--host H] [--port P] [--device cpu|cuda|webgpu] [--dtype f32|f16] [--threads N] [limits...]`: the question-answering service with
 * its accessible page and both APIs (src/serve). With no model flag it serves the best model of runs/compare.
 * SIGTERM or SIGINT stops it gracefully: requests in flight are answered first.
 */
import { Command } from 'commander';
import { VizWizError } from '../errors.js';
import type { Device } from '../engine/device.js';
import { DEFAULT_LIMITS, type ServeLimits } from '../serve/limits.js';
import { chooseServeTarget, DEFAULT_COMPARE_DIR, loadServeModel } from '../serve/serve-target.js';
import { startService } from '../serve/server.js';
import {
  availableDevice,
  checkQuantizeDevice,
  computeDtype,
  DTYPE_OPTION,
  parseChoice,
  parseNumber,
  parseWhole,
  QUANTIZE_OPTION,
  VERBOSE_OPTION,
} from './options.js';
import type { QuantSchemeName } from '../engine/block-quantize.js';

interface ServeCliOptions {
  run?: string;
  model?: string;
  base?: string;
  adapter?: string;
  quantize?: QuantSchemeName;
  dtype: string;
  quality?: string | false;
  host: string;
  port: string;
  device: Device;
  threads?: string;
  offline?: boolean;
  maxBatch: string;
  maxQueue: string;
  batchWaitMs: string;
  timeout: string;
  maxImageMb: string;
  maxMegapixels: string;
  maxQuestionChars: string;
  allowRemoteImages?: boolean;
  logRequests?: boolean;
}

function limitsOf(o: ServeCliOptions): ServeLimits {
  return {
    maxBatch: parseWhole(o.maxBatch, '--max-batch', 1, 256),
    maxQueue: parseWhole(o.maxQueue, '--max-queue', 1),
    batchWaitMs: parseNumber(o.batchWaitMs, '--batch-wait-ms', { min: 0, max: 1000 }),
    timeoutMs: 1000 * parseNumber(o.timeout, '--timeout', { above: 0 }),
    maxImageBytes: Math.round(1024 * 1024 * parseNumber(o.maxImageMb, '--max-image-mb', { above: 0, max: 100 })),
    maxPixels: Math.round(1e6 * parseNumber(o.maxMegapixels, '--max-megapixels', { above: 0, max: 1000 })),
    maxQuestionChars: parseWhole(o.maxQuestionChars, '--max-question-chars', 1),
    allowRemoteImages: o.allowRemoteImages === true,
  };
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Answer questions about photos over HTTP: an accessible page, /v1/answer and OpenAI-compatible /v1/chat/completions.')
    .option('--run <dir>', `a vizwiz train or finetune run, or a comparison folder (default: the best model of ${DEFAULT_COMPARE_DIR})`)
    .option('--model <name>', 'paligemma: serve PaliGemma from --base, zero-shot or with --adapter')
    .option('--base <source>', 'PaliGemma checkpoint: folder or hf:org/repo[@rev]')
    .option('--adapter <dir>', "a LoRA adapter folder in PEFT format (e.g. a fine-tune's best/)")
    .option('--quality <dir>', "a quality head folder (default: the comparison's quality/<encoder>/ when there is one)")
    .option('--no-quality', 'answer without quality flags')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free one)', '8080')
    .option('--device <name>', 'cpu, cuda or webgpu', availableDevice, 'cpu')
    .option(...VERBOSE_OPTION)
    .option(...QUANTIZE_OPTION)
    .option(...DTYPE_OPTION)
    .option('--threads <n>', 'CPU threads (default: one per core)')
    .option('--offline', 'never use the network to find model weights')
    .option('--max-batch <n>', 'most requests answered in one model call (1 = no batching)', String(DEFAULT_LIMITS.maxBatch))
    .option('--max-queue <n>', 'requests waiting before new ones get 503 + Retry-After', String(DEFAULT_LIMITS.maxQueue))
    .option('--batch-wait-ms <ms>', 'how long a request waits for others to join its batch', String(DEFAULT_LIMITS.batchWaitMs))
    .option('--timeout <s>', 'seconds from arrival to answer before a request gets 503', String(DEFAULT_LIMITS.timeoutMs / 1000))
    .option('--max-image-mb <mb>', 'largest photo in megabytes', String(DEFAULT_LIMITS.maxImageBytes / (1024 * 1024)))
    .option('--max-megapixels <n>', 'largest photo in millions of pixels', String(DEFAULT_LIMITS.maxPixels / 1e6))
    .option('--max-question-chars <n>', 'longest question', String(DEFAULT_LIMITS.maxQuestionChars))
    .option('--allow-remote-images', 'fetch http(s) image URLs in chat completions (default: data: URLs only)')
    .option('--log-requests', 'log method, route, status and time of each request (never photos or questions)')
    .action(async (o: ServeCliOptions) => {
      const log = (line: string) => process.stderr.write(`vizwiz serve: ${line}\n`);
      const limits = limitsOf(o);
      const device = o.device;
      const dtype = computeDtype(o.dtype, device, o.quantize);
      checkQuantizeDevice(o.quantize, device);
      const threads = o.threads !== undefined ? parseWhole(o.threads, '--threads', 1) : undefined;
      const port = parseWhole(o.port, '--port', 0, 65535);
      const target = await chooseServeTarget({
        ...(o.run !== undefined ? { run: o.run } : {}),
        ...(o.model !== undefined ? { model: parseChoice(o.model, '--model', ['paligemma'] as const) } : {}),
        ...(o.base !== undefined ? { base: o.base } : {}),
        ...(o.adapter !== undefined ? { adapter: o.adapter } : {}),
      });
      if (o.quantize !== undefined && target.kind === 'head')
        throw new VizWizError('USAGE', '--quantize applies to PaliGemma (--model paligemma), not to a trained head');
      if (dtype !== 'float32' && target.kind === 'head')
        throw new VizWizError('USAGE', '--dtype f16 applies to PaliGemma (--model paligemma), not to a trained head');
      const service = await startService({
        host: o.host,
        port,
        limits,
        log,
        ...(o.logRequests ? { logRequests: true } : {}),
        load: () =>
          loadServeModel(target, {
            device,
            ...(threads !== undefined ? { threads } : {}),
            ...(o.offline ? { offline: true } : {}),
            ...(o.quality !== undefined ? { quality: o.quality } : {}),
            ...(o.quantize !== undefined ? { quantize: o.quantize, log } : {}),
            ...(dtype !== 'float32' ? { dtype } : {}),
          }),
      });
      const stop = () => void service.shutdown();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      try {
        await service.ready;
      } catch (err) {
        await service.shutdown();
        throw err;
      }
      await service.closed;
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    });
}
