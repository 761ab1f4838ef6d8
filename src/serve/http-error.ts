/**
 * Errors the service answers with: an HTTP status, a stable machine-readable code and a message that says what was
 * wrong and what to do, sent as OpenAI-style JSON `{"error": {"message", "type", "code", "param"}}` so the official
 * clients surface the message as it is. `Retry-After` (seconds) goes with the 503s of a full queue or a timeout.
 */

export type ErrorCode =
  | 'invalid_json' // 400
  | 'invalid_request' // 422
  | 'missing_image' // 422
  | 'missing_question' // 422
  | 'question_too_long' // 422
  | 'too_many_pixels' // 422
  | 'undecodable_image' // 422
  | 'remote_image_refused' // 422
  | 'unsupported_image_url' // 422
  | 'remote_image_failed' // 422
  | 'upload_too_large' // 413
  | 'unsupported_media_type' // 415
  | 'not_found' // 404
  | 'queue_full' // 503
  | 'timeout' // 503
  | 'not_ready' // 503
  | 'shutting_down' // 503
  | 'internal_error'; // 500

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Seconds to send as Retry-After (503s). */
    readonly retryAfter?: number,
    /** The request field at fault, when there is one. */
    readonly param?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): { error: { message: string; type: string; code: ErrorCode; param: string | null } } {
    const type = this.status >= 500 ? (this.status === 503 ? 'overloaded_error' : 'server_error') : 'invalid_request_error';
    return { error: { message: this.message, type, code: this.code, param: this.param ?? null } };
  }
}
