import type { IncomingHttpHeaders } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { HttpApi } from './json-api.js';

/** Reads W3C trace context (traceparent, tracestate) from request headers. */
const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  get: (headers, key) => headers[key],
  keys: (headers) => Object.keys(headers),
};

/**
 * The JSON API with one SERVER span per /v1 request (the SSE watch's lasts as long as the stream), named
 * `METHOD /v1/route` by its route template, child of the request's traceparent header when there is one. The
 * route's handler runs within the span's context. Wrapped only when tracing is on; the console's files are
 * not traced.
 */
export function tracedHttpApi(api: HttpApi, tracer: Tracer): HttpApi {
  const keyed = api.routes.filter((r) => r.path.endsWith('/{key}'));
  const routeOf = (method: string, path: string): string => {
    if (path.startsWith('/v1/kv/')) return keyed.find((r) => r.method === method)?.path ?? '/v1/kv/{key}';
    return api.routes.some((r) => r.path === path) ? path : '/v1/*';
  };
  return {
    routes: api.routes,
    handle(req, res) {
      const url = req.url ?? '/';
      const path = url.split('?', 1)[0]!;
      if (path !== '/v1' && !path.startsWith('/v1/')) return api.handle(req, res);
      const method = req.method ?? 'GET';
      const route = routeOf(method === 'HEAD' ? 'GET' : method, path);
      const parent = propagation.extract(ROOT_CONTEXT, req.headers, headerGetter);
      const span = tracer.startSpan(
        `${method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: { 'http.request.method': method, 'http.route': route, 'url.path': path },
        },
        parent,
      );
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      return context.with(trace.setSpan(parent, span), () => api.handle(req, res));
    },
  };
}
