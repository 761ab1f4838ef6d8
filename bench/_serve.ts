/**
 * What the serve benchmarks (and the serve load test) share: the multipart body of one question with a photo, and a
 * bounded loopback load run with autocannon - N connections for S seconds (or R requests) against /v1/answer - that counts status
 * codes, checks that every 5xx is a 503 with Retry-After, and reports requests/s, p50/p99 latency and the peak RSS of
 * this process (the server runs in it) sampled every 50 ms.
 */
import autocannon from 'autocannon';

const BOUNDARY = 'vizwiz-bench-boundary';

/** A multipart/form-data body with a `question` field and an `image` file. */
export function answerForm(photo: Buffer, question: string): { body: Buffer; contentType: string } {
  const body = Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="question"\r\n\r\n${question}\r\n`),
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    photo,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${BOUNDARY}` };
}

export interface LoadReport {
  connections: number;
  /** Wall-clock seconds of the run. */
  seconds: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** 503s that carried a Retry-After header. */
  retryAfter503: number;
  /** 5xx that are not a 503 with Retry-After: must be 0. */
  bad5xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answered (200) per second. */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  rssStartMb: number;
  peakRssMb: number;
}

/**
 * `seconds`: a fixed duration (requests still in flight at the end are not counted); `amount`: a fixed number of
 * requests over all connections (for models slower than any sensible duration).
 */
export async function loadRun(o: {
  url: string;
  connections: number;
  seconds?: number;
  amount?: number;
  photo: Buffer;
  question: string;
  timeoutS?: number;
}): Promise<LoadReport> {
  const { body, contentType } = answerForm(o.photo, o.question);
  const statuses: Record<string, number> = {};
  let retryAfter503 = 0;
  let bad5xx = 0;
  const rssStart = process.memoryUsage().rss;
  let peak = rssStart;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  try {
    const result = await autocannon({
      url: o.url,
      connections: o.connections,
      ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.seconds ?? 10 }),
      timeout: o.timeoutS ?? 60,
      requests: [
        {
          method: 'POST',
          path: '/v1/answer',
          headers: { 'content-type': contentType },
          body,
          onResponse: (status, _body, _context, headers) => {
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status === 503 && headers?.['retry-after']) retryAfter503++;
            else if (status >= 500) bad5xx++;
          },
        },
      ],
    });
    const ok = statuses[200] ?? 0;
    const seconds = (performance.now() - started) / 1000;
    return {
      connections: o.connections,
      seconds,
      statuses,
      retryAfter503,
      bad5xx,
      errors: result.errors + result.timeouts,
      rps: ok / seconds,
      p50_ms: result.latency.p50,
      p99_ms: result.latency.p99,
      rssStartMb: rssStart / 2 ** 20,
      peakRssMb: Math.max(peak, process.memoryUsage().rss) / 2 ** 20,
    };
  } finally {
    clearInterval(sampler);
  }
}
