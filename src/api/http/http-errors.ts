import type { ServerResponse } from 'node:http';
import type { ErrorCode, ServiceError } from '../../service/errors.js';

/**
 * The one map from the service's codes to HTTP statuses. RESOURCE_EXHAUSTED is 429 (with Retry-After)
 * when the refusal says when to retry (rate limits), 507 Insufficient Storage for a namespace quota (details
 * name the namespace: retrying helps only once its keys are deleted), otherwise 413 (a request, range or
 * response over a size limit).
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  FAILED_PRECONDITION: 412,
  RESOURCE_EXHAUSTED: 413,
  CANCELLED: 499,
  INTERNAL: 500,
  DATA_LOSS: 500,
  UNAVAILABLE: 503,
};

/** The HTTP status of an error, and the headers that go with it. */
export function httpStatusOf(error: ServiceError): { status: number; headers: Record<string, string> } {
  const retryMs = error.details['retry-after-ms'];
  if (error.code === 'RESOURCE_EXHAUSTED' && retryMs !== undefined) {
    return {
      status: 429,
      headers: { 'retry-after': String(Math.max(1, Math.ceil(Number(retryMs) / 1000))) },
    };
  }
  if (error.code === 'RESOURCE_EXHAUSTED' && error.details.namespace !== undefined)
    return { status: 507, headers: {} };
  if (error.code === 'UNAVAILABLE') return { status: 503, headers: { 'retry-after': '1' } };
  return { status: HTTP_STATUS[error.code], headers: {} };
}

/** Sends `{code, message, details}` with the error's status. */
export function sendError(res: ServerResponse, error: ServiceError): void {
  const { status, headers } = httpStatusOf(error);
  const body = JSON.stringify({ code: error.code, message: error.message, details: error.details });
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
