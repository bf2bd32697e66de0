import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { Registry } from 'prom-client';
import { actions } from '../../handlers/index.js';
import { sla } from '../../handlers/commands/sla.js';
import type { ActionHandler, HandlerContext } from '../../src/chat/handler-types.js';
import { ConfigError } from '../../src/util/errors.js';
import { startHttpListener, type HttpListener } from '../../src/web/http-listener.js';
import { registerConsole } from '../../src/web/console/console-routes.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SECRET_KEY = 'test-secret-key-for-links-and-cookies-0123456789';

/** A port free a moment ago, for a server whose address must be known before it starts. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * The real HTTP listener with the console on it, at a port chosen before it starts (PUBLIC_BASE_URL
 * must name it, and the IdP must know the redirect URI); tried again on another port if taken.
 */
export async function startConsoleServer(options: { issuer: string; clientId: string; clientSecret: string; actorGroups: string[]; approverGroups?: string[]; ctx: HandlerContext; announce?: (id: number, urgency: string, who: string) => Promise<void>; actions?: readonly ActionHandler[] }): Promise<{ listener: HttpListener; baseUrl: string }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      const listener = await startHttpListener({
        host: '127.0.0.1',
        port,
        log: options.ctx.log,
        registry: new Registry(),
        health: () => ({ ok: true, problems: [], jobs: [] }),
        register: (app) => registerConsole(app, {
          config: { issuer: options.issuer, clientId: options.clientId, clientSecret: options.clientSecret, actorGroups: options.actorGroups, ...(options.approverGroups && { approverGroups: options.approverGroups }) },
          publicBaseUrl: baseUrl,
          secretKey: SECRET_KEY,
          ctx: options.ctx,
          actions: options.actions ?? actions,
          slaReport: (ctx) => sla.run({ actor: { name: 'test', ref: 'test', chat: 'web' }, options: {} }, ctx),
          ...(options.announce && { announceEscalation: options.announce }),
        }),
      });
      return { listener, baseUrl };
    } catch (error) {
      if (!(error instanceof ConfigError) || attempt >= 5) throw error;
    }
  }
}

/**
 * Debian's Chromium through playwright-core, headless, in a fresh profile of its own (one person's
 * browser: its own cookies), removed on close. Playwright takes the profile as its userDataDir
 * (it refuses --user-data-dir among the args and passes it itself).
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'triage-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
