import { createServer } from 'node:net';
import { pino } from 'pino';
import { Registry, Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../src/web/health.js';
import { startHttpListener, type HttpListener } from '../../src/web/http-listener.js';
import { ConfigError } from '../../src/util/errors.js';

/** The fastify listener keeps the node:http one's answers for /healthz and /metrics exactly. */
describe('the HTTP listener', () => {
  let listener: HttpListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });
  const log = pino({ level: 'silent' });
  let report: HealthReport = { ok: true, problems: [], jobs: [] };

  async function start(): Promise<string> {
    const registry = new Registry();
    new Counter({ name: 'triage_mentions_stored_total', help: 'stored', registers: [registry] }).inc(3);
    listener = await startHttpListener({ host: '127.0.0.1', port: 0, log, registry, health: () => report });
    return `http://127.0.0.1:${listener.port}`;
  }

  it('answers /healthz 200 or 503 with the reasons, HEAD without a body, and 405/404 elsewhere', async () => {
    const base = await start();
    const ok = await fetch(`${base}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toEqual({ status: 'ok', ok: true, problems: [], jobs: [] });
    report = { ok: false, problems: ['database: database is locked'], jobs: [] };
    const sick = await fetch(`${base}/healthz`);
    expect(sick.status).toBe(503);
    expect(await sick.json()).toMatchObject({ status: 'unhealthy', problems: ['database: database is locked'] });
    report = { ok: true, problems: [], jobs: [] };
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const missing = await fetch(`${base}/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('not found: try /healthz or /metrics\n');
  });

  it('serves /metrics as Prometheus text', async () => {
    const base = await start();
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toMatch(/^triage_mentions_stored_total 3$/m);
  });

  it('refuses a port in use with a ConfigError naming HTTP_PORT', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await startHttpListener({ host: '127.0.0.1', port, log, registry: new Registry(), health: () => report }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems[0]).toMatch(new RegExp(`^HTTP_PORT=${port} HTTP_HOST=127.0.0.1: cannot listen there \\(EADDRINUSE\\)`));
    } finally {
      blocker.close();
    }
  });
});
