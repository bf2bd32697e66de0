import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { ConfigError } from '../util/errors.js';
import type { HealthReport } from './health.js';

export interface HttpListenerOptions {
  host: string;
  /** 0 picks a free port (logged, and returned). */
  port: number;
  log: Logger;
  health: () => HealthReport | Promise<HealthReport>;
  registry: Registry;
  /** More routes on the same listener (the web console), registered before it listens. */
  register?: (app: FastifyInstance) => Promise<void>;
  /** Named in the ready line's record (`/console`). */
  describe?: string;
}

export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

const NOT_GET = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * The service's HTTP listener, on fastify: `GET /healthz` (200 or 503 with the reasons, JSON) and
 * `GET /metrics` (Prometheus text), and whatever `register` adds (the web console). Fastify rather
 * than node:http because the console needs its well-kept helmet, cookie, CSRF and rate-limit plugins.
 */
export async function startHttpListener(options: HttpListenerOptions): Promise<HttpListener> {
  const { log } = options;
  // A scraper that keeps its connection open must not hold up the stop. A reverse proxy on this
  // machine (README "Web console") passes the person's address in X-Forwarded-For, so the sign-in
  // rate limit counts people, not the proxy; only a loopback peer is believed.
  const app = Fastify({ keepAliveTimeout: 5_000, forceCloseConnections: true, logger: false, trustProxy: 'loopback' });
  app.setErrorHandler((error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) log.error({ err: error, path: request.url }, 'http request failed');
    void send(reply, status, 'text/plain; charset=utf-8', status >= 500 ? 'internal error\n' : `${status === 403 ? 'forbidden' : 'bad request'}\n`);
  });
  app.setNotFoundHandler((_request, reply) => send(reply, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n'));

  // GET routes answer HEAD too (fastify adds it); other methods get 405 with Allow.
  app.get('/healthz', async (_request, reply) => {
    const report = await options.health();
    if (!report.ok) log.warn({ problems: report.problems }, 'health check failing');
    return send(reply, report.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: report.ok ? 'ok' : 'unhealthy', ...report })}\n`);
  });
  app.get('/metrics', async (_request, reply) => send(reply, 200, options.registry.contentType, await options.registry.metrics()));
  for (const url of ['/healthz', '/metrics']) {
    app.route({ method: [...NOT_GET], url, handler: async (_request, reply) => send(reply.header('allow', 'GET, HEAD'), 405, 'text/plain; charset=utf-8', 'method not allowed\n') });
  }
  if (options.register) await options.register(app);

  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await app.close().catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([`HTTP_PORT=${options.port} HTTP_HOST=${options.host}: cannot listen there (${code}). Pick a free port, or unset HTTP_PORT to run without the listener.`]);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  log.info({ host: options.host, port, ...(options.describe && { also: options.describe }) }, 'http listener ready: /healthz and /metrics');
  return { port, close: () => app.close() };
}

/** A Buffer, so that fastify sends the content type as given (it adds a charset to strings). */
function send(reply: FastifyReply, status: number, type: string, body: string): FastifyReply {
  return reply.code(status).header('content-type', type).header('cache-control', 'no-store').send(Buffer.from(body));
}
