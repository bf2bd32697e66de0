import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
}

export interface HttpListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The operations listener: `GET /healthz` (200 or 503 with the reasons, JSON) and `GET /metrics`
 * (Prometheus text). node:http is enough for two read-only routes; the web console brings a framework.
 */
export async function startHttpListener(options: HttpListenerOptions): Promise<HttpListener> {
  const { log } = options;
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, path: req.url }, 'http request failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  // A scraper that keeps its connection open must not hold up the stop.
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/healthz' && path !== '/metrics') return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /healthz or /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    if (path === '/healthz') {
      const report = await options.health();
      if (!report.ok) log.warn({ problems: report.problems }, 'health check failing');
      return send(res, report.ok ? 200 : 503, 'application/json', `${JSON.stringify({ status: report.ok ? 'ok' : 'unhealthy', ...report })}\n`, req.method === 'HEAD');
    }
    const body = await options.registry.metrics();
    send(res, 200, options.registry.contentType, body, req.method === 'HEAD');
  }

  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) =>
      reject(new ConfigError([`HTTP_PORT=${options.port} HTTP_HOST=${options.host}: cannot listen there (${error.code ?? error.message}). Pick a free port, or unset HTTP_PORT to run without the listener.`]));
    server.once('error', refuse);
    server.listen(options.port, options.host, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  log.info({ host: options.host, port }, 'http listener ready: /healthz and /metrics');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, headOnly = false): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(headOnly ? undefined : body);
}
