/**
 * The HTTP service on Fastify:
 *   GET  /                      the accessible page (page.ts); POST / is its form without JavaScript
 *   POST /v1/answer             multipart (image file + question) or JSON {image: base64 or data URL, question}
 *                               -> {answer, answerable, quality: [{issue, probability, advice}], message, model, latency_ms}
 *   POST /v1/chat/completions   OpenAI-compatible, stream true/false (openai-chat.ts)
 *   GET  /v1/models, /healthz (the process is up), /readyz (the model is loaded and requests are taken)
 * Errors are JSON (http-error.ts): 400 malformed JSON, 413 too many bytes, 415 not a photo or an unsupported body
 * type, 422 a request that parses but cannot be answered (no photo, no question, too many pixels, a remote URL),
 * 503 + Retry-After when the queue is full, the deadline passed, the model is loading or the server is stopping.
 * Privacy: request bodies are held in memory only (multipart files are buffered, never spooled to disk) and nothing
 * about a request is logged unless request logging is on, and then only its method, route, status and time.
 */
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AnswerService } from './answer-service.js';
import { HttpError } from './http-error.js';
import { base64Bytes, dataUrlBytes, tooLarge } from './image-input.js';
import { maxBodyBytes, megabytes, type ServeLimits } from './limits.js';
import { chatQuestion, completionBody, completionChunks, firstIssue, newCompletion, sseText } from './openai-chat.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-assets.js';
import { PAGE_CSP, renderPage } from './page.js';
import { fetchRemoteImage, isRemoteUrl, remoteRefused } from './remote-image.js';

/** Where the service is in its life: loading the model, serving, failed to load, or stopping. */
export class ServiceState {
  service: AnswerService | undefined;
  loadError: Error | undefined;
  stopping = false;
  readonly startedAt = Math.floor(Date.now() / 1000);

  /** The service, or the 503 that says why there is none. */
  ready(): AnswerService {
    if (this.stopping) throw new HttpError(503, 'shutting_down', 'the server is shutting down; try again shortly', 1);
    if (this.service) return this.service;
    if (this.loadError) throw new HttpError(503, 'not_ready', `the model failed to load: ${this.loadError.message}`, 60);
    throw new HttpError(503, 'not_ready', 'the model is still loading; try again in a few seconds', 5);
  }
}

export interface ServeAppOptions {
  limits: ServeLimits;
  state: ServiceState;
  /** Log method, route, status and milliseconds of each request (never bodies or questions). */
  logRequests?: boolean;
  log?: (line: string) => void;
}

const answerJson = z.object({
  image: z.string({ error: (i) => (i.input === undefined ? 'missing (the photo as base64 or a data: URL)' : 'expected a base64 string or a data: URL') }),
  question: z.string({ error: (i) => (i.input === undefined ? 'missing' : 'expected a string') }),
});

interface Upload {
  image: Uint8Array | undefined;
  question: string | undefined;
}

/** Reads a multipart body: the first file (field `image`, or any file) and the `question` field, in memory. */
async function readMultipart(request: FastifyRequest): Promise<Upload> {
  const upload: Upload = { image: undefined, question: undefined };
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      const bytes = await part.toBuffer();
      if (upload.image === undefined || part.fieldname === 'image') upload.image = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    } else if (part.fieldname === 'question') {
      upload.question = String(part.value);
    }
  }
  return upload;
}

async function readAnswerRequest(request: FastifyRequest, limits: ServeLimits): Promise<{ image: Uint8Array; question: string | undefined }> {
  if (request.isMultipart()) {
    const upload = await readMultipart(request);
    if (!upload.image || upload.image.length === 0)
      throw new HttpError(422, 'missing_image', 'no photo in the form: attach it as the file field "image"', undefined, 'image');
    return { image: upload.image, question: upload.question };
  }
  const parsed = answerJson.safeParse(request.body);
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error);
    throw new HttpError(
      422,
      path === 'image' ? 'missing_image' : path === 'question' ? 'missing_question' : 'invalid_request',
      `${path}: ${message}`,
      undefined,
      path,
    );
  }
  const { image, question } = parsed.data;
  return { image: image.startsWith('data:') ? dataUrlBytes(image, limits) : base64Bytes(image, limits, 'image'), question };
}

/** Fastify's and the multipart plugin's own errors, in the service's words. */
function translate(err: unknown, limits: ServeLimits): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'invalid_json', 'the body is not valid JSON', undefined, '(body)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'invalid_json', 'the body is empty but its content type is application/json', undefined, '(body)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'send the request as multipart/form-data (a photo file and a question) or as application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(
        413,
        'upload_too_large',
        `the request body is over ${megabytes(maxBodyBytes(limits))}; the photo limit is ${megabytes(limits.maxImageBytes)}. Send a smaller photo`,
      );
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(undefined, limits);
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new HttpError(413, 'upload_too_large', 'the form has too many parts: send one photo and one question');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'send the request as multipart/form-data');
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError(e.statusCode, 'invalid_request', e.message ?? 'bad request');
  }
  return new HttpError(500, 'internal_error', 'the server failed to answer; try again');
}

function sendError(reply: FastifyReply, err: HttpError): FastifyReply {
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  return reply.code(err.status).type('application/json; charset=utf-8').send(err.body);
}

export async function createServeApp(o: ServeAppOptions): Promise<FastifyInstance> {
  const { limits, state } = o;
  const log = o.log ?? (() => {});
  const app = Fastify({ logger: false, bodyLimit: maxBodyBytes(limits), forceCloseConnections: 'idle', return503OnClosing: true });
  app.removeContentTypeParser('text/plain'); // only JSON and multipart bodies are understood (else 415)
  await app.register(multipart, {
    limits: { fileSize: limits.maxImageBytes, files: 1, fields: 4, parts: 6, fieldSize: 16 * 1024 },
    throwFileSizeLimit: true,
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('content-security-policy', PAGE_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    // While stopping, each answered connection closes, so the listener can close once the requests in flight are done.
    if (state.stopping) reply.header('connection', 'close');
    return payload;
  });
  if (o.logRequests) {
    app.addHook('onResponse', async (request, reply) => {
      log(`${request.method} ${request.routeOptions.url ?? '(no route)'} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms`);
    });
  }
  app.setErrorHandler((err, request, reply) => {
    const http = translate(err, limits);
    if (http.status === 500) log(`internal error on ${request.method} ${request.routeOptions.url ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
    if (request.url === '/' && request.method === 'POST')
      return reply
        .code(http.status)
        .type('text/html; charset=utf-8')
        .send(renderPage(limits, { error: http.message }));
    return sendError(reply, http);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new HttpError(404, 'not_found', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`)),
  );

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(renderPage(limits)));
  app.get('/app.css', async (_request, reply) => reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGE_STYLE));
  app.get('/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(PAGE_SCRIPT));

  // The page's form without JavaScript: the same page, with the answer in the live region or the error in the alert.
  app.post('/', async (request, reply) => {
    const started = performance.now();
    let question: string | undefined;
    try {
      const upload = await readAnswerRequest(request, limits);
      question = upload.question;
      const result = await state.ready().answer(upload.image, upload.question, started);
      return reply.type('text/html; charset=utf-8').send(renderPage(limits, { question: upload.question ?? '', message: result.message }));
    } catch (err) {
      const http = translate(err, limits);
      if (http.retryAfter !== undefined) reply.header('retry-after', String(http.retryAfter));
      return reply
        .code(http.status)
        .type('text/html; charset=utf-8')
        .send(renderPage(limits, { question: question ?? '', error: http.message }));
    }
  });

  app.post('/v1/answer', async (request, reply) => {
    const started = performance.now();
    const service = state.ready();
    const { image, question } = await readAnswerRequest(request, limits);
    return reply.send(await service.answer(image, question, started));
  });

  app.post('/v1/chat/completions', async (request, reply) => {
    const started = performance.now();
    if (request.isMultipart()) throw new HttpError(415, 'unsupported_media_type', 'send chat completions as application/json');
    const service = state.ready();
    const chat = chatQuestion(request.body);
    let bytes: Uint8Array;
    if (chat.imageUrl.startsWith('data:')) bytes = dataUrlBytes(chat.imageUrl, limits);
    else if (isRemoteUrl(chat.imageUrl)) {
      if (!limits.allowRemoteImages) throw remoteRefused();
      bytes = await fetchRemoteImage(chat.imageUrl, limits);
    } else throw new HttpError(422, 'unsupported_image_url', 'the image URL must be a data: URL (data:image/jpeg;base64,...)', undefined, 'image_url');
    const result = await service.answer(bytes, chat.question, started);
    const completion = newCompletion(service.model.id);
    if (!chat.stream) return reply.send(completionBody(completion, result));
    // The answer is complete before the first byte, so the stream is a few events written at once.
    return reply
      .type('text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(sseText(completionChunks(completion, result)));
  });

  app.get('/v1/models', async () => {
    const service = state.ready();
    return { object: 'list', data: [{ id: service.model.id, object: 'model', created: state.startedAt, owned_by: 'vizwiz' }] };
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      const service = state.ready();
      return { status: 'ready', model: service.model.id, quality: service.model.hasQuality };
    } catch (err) {
      const http = err as HttpError;
      return reply
        .code(503)
        .header('retry-after', String(http.retryAfter ?? 5))
        .send({ status: state.stopping ? 'stopping' : state.loadError ? 'failed' : 'loading', message: http.message });
    }
  });
  return app;
}
