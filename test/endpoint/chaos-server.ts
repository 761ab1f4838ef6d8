/**
 * A loopback OpenAI-compatible chat-completions server for the endpoint tests, misbehaving on a script: each request
 * is matched to its question by the image it carries, and `behave(image, attempt)` says what to do - answer, or fail
 * with 429 (with or without Retry-After), 500, 401, a malformed body, a dropped connection, or no answer at all (the
 * client's time-out fires; also used to freeze a run before killing it). It counts, per image, the requests it got and
 * the answers it sent.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behavior = 'ok' | 'slow-ok' | '429' | '429-retry-after' | '500' | '401' | 'malformed' | 'drop' | 'hang';

export interface ChaosOptions {
  /** image file name -> its bytes' SHA-256, so requests can be matched to questions. */
  imagesBySha: ReadonlyMap<string, string>;
  /** What to do with the `attempt`-th request (1-based) for `image`. */
  behave: (image: string, attempt: number) => Behavior;
  /** The answer text for `image`. */
  answer: (image: string) => string;
}

export interface ChaosServer {
  /** The OpenAI base URL (http://127.0.0.1:PORT/v1). */
  url: string;
  /** Requests received, per image. */
  requests: Map<string, number>;
  /** Answers sent (a complete 200 response), per image. */
  answers: Map<string, number>;
  /** The parsed bodies and authorization headers of every request, in arrival order. */
  log: { body: Record<string, unknown>; authorization: string | undefined }[];
  /** Replaces the script (e.g. to stop hanging after a kill). */
  setBehavior(behave: ChaosOptions['behave']): void;
  close(): Promise<void>;
}

const bump = (m: Map<string, number>, k: string): number => {
  const n = (m.get(k) ?? 0) + 1;
  m.set(k, n);
  return n;
};

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

export async function startChaosServer(o: ChaosOptions): Promise<ChaosServer> {
  const requests = new Map<string, number>();
  const answers = new Map<string, number>();
  const log: ChaosServer['log'] = [];
  let behave = o.behave;
  const hanging = new Set<ServerResponse>();

  const server = createServer(async (req, res) => {
    const body = JSON.parse(await readBody(req)) as { model: string; messages: { content: { type: string; image_url?: { url: string } }[] }[] };
    log.push({ body, authorization: req.headers.authorization });
    const url = body.messages[0]!.content.find((p) => p.type === 'image_url')!.image_url!.url;
    const bytes = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
    const image = o.imagesBySha.get(createHash('sha256').update(bytes).digest('hex')) ?? 'unknown image';
    const attempt = bump(requests, image);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const ok = (): void => {
      res.on('finish', () => bump(answers, image));
      json(200, {
        id: 'x',
        object: 'chat.completion',
        model: body.model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: o.answer(image) } }],
      });
    };
    switch (behave(image, attempt)) {
      case 'ok':
        return ok();
      case 'slow-ok':
        return void setTimeout(ok, 150);
      case '429':
        return json(429, { error: { message: 'rate limited', type: 'rate_limit' } });
      case '429-retry-after':
        return json(429, { error: { message: 'slow down' } }, { 'retry-after': '0' });
      case '500':
        return json(500, { error: { message: 'internal error' } });
      case '401':
        return json(401, { error: { message: 'invalid api key' } });
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"choices": [{"message": {"content": "tru');
      case 'drop':
        return void req.socket.destroy();
      case 'hang':
        hanging.add(res);
        return void res.on('close', () => hanging.delete(res));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    answers,
    log,
    setBehavior: (b) => void (behave = b),
    close: async () => {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
