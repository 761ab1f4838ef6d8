/**
 * Running the service: listen first (so /healthz answers and /readyz says "loading"), load the model, then serve;
 * and stop gracefully: on `shutdown()` (what SIGTERM and SIGINT call in `vizwiz serve`) new requests get 503, the
 * requests in flight are finished and answered, the listener closes, and the model's sessions are released.
 */
import type { FastifyInstance } from 'fastify';
import type { AnswerModel } from './answer-model.js';
import { AnswerService } from './answer-service.js';
import { createServeApp, ServiceState } from './app.js';
import type { ServeLimits } from './limits.js';

export interface StartServiceOptions {
  host: string;
  port: number;
  limits: ServeLimits;
  /** Loads the model (after the listener is up). */
  load: () => Promise<AnswerModel>;
  log?: (line: string) => void;
  logRequests?: boolean;
}

export interface RunningService {
  /** http://host:port */
  url: string;
  app: FastifyInstance;
  state: ServiceState;
  /** Resolves when the model is loaded and requests are taken; rejects when it fails to load. */
  ready: Promise<AnswerService>;
  /** Refuses new requests, finishes those in flight, closes the listener, releases the model. Idempotent. */
  shutdown(): Promise<void>;
  /** Resolves once shutdown() has finished. */
  closed: Promise<void>;
}

export async function startService(o: StartServiceOptions): Promise<RunningService> {
  const log = o.log ?? (() => {});
  const state = new ServiceState();
  const app = await createServeApp({ limits: o.limits, state, log, ...(o.logRequests ? { logRequests: true } : {}) });
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${host}:${port}`;
  log(`listening on ${url} (loading the model)`);

  const ready = o.load().then(
    (model) => {
      const service = new AnswerService(model, o.limits);
      if (state.stopping) {
        void model.dispose();
        throw new Error('the server stopped while the model was loading');
      }
      state.service = service;
      log(`serving ${model.id} on ${model.device}: ${model.description}`);
      log(`ready: ${url} (page at ${url}/, API at ${url}/v1/answer and ${url}/v1/chat/completions)`);
      return service;
    },
    (err: unknown) => {
      state.loadError = err instanceof Error ? err : new Error(String(err));
      throw err;
    },
  );
  ready.catch(() => undefined); // observed by the caller; this keeps an early failure from being "unhandled"

  let finished!: () => void;
  const closed = new Promise<void>((resolve) => (finished = resolve));
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      state.stopping = true;
      log('shutting down: finishing the requests in flight');
      await app.close(); // stops accepting; resolves once every in-flight request has been answered
      const service = state.service;
      if (service) {
        await service.drain();
        await service.model.dispose();
      }
      log('stopped');
      finished();
    })();
    return stopping;
  };
  return { url, app, state, ready, shutdown, closed };
}
