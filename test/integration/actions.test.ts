import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions, commands } from '../../handlers/index.js';
import type { ActionOutcome, Actor, HandlerContext } from '../../src/chat/handler-types.js';
import { accountDirectory } from '../../src/accounts.js';
import { decideFor } from '../../src/pipeline.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';
import { ROOT } from '../helpers/setup.js';

/**
 * The card actions and `/triage` subcommands without any chat: what every chat adapter renders.
 * Discord's and Slack's own suites check only the translation both ways.
 */
describe('chat-neutral actions and commands', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let ctx: HandlerContext;
  const ana: Actor = { name: '@ana', ref: 'U-ana', chat: 'test' };
  const ben: Actor = { name: '@ben', ref: 'U-ben', chat: 'test' };
  const act = async (id: string, actor: Actor, alertId = 1, value?: string): Promise<ActionOutcome> =>
    actions.find((a) => a.id === id)!.run({ alertId, actor, value }, ctx);

  beforeEach(async () => {
    fx = await pipelineFixture();
    ctx = { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
    await fx.store.ingest({ source: 'test', mentions: ['my bill went to collections after insurance paid', 'on hold for an hour with billing'].map((text) => mention({ text, createdAt: Date.now() })), now: Date.now() }, decideFor(fx.deps));
  });
  afterEach(() => fx.close());

  it('claims once: the second person is told who has it, and the audit log names the chat and user', async () => {
    expect(await act('claim', ana)).toMatchObject({ kind: 'card', alert: { state: 'claimed', assignee: '@ana' } });
    expect(await act('claim', ben)).toMatchObject({ kind: 'refused', text: '@ana has this one.', current: { id: 1 } });
    expect((await fx.store.alertEvents(1))[0]).toMatchObject({ actor: '@ana', action: 'claim', detail: { chat: 'test', userId: 'U-ana' } });
  });

  it('takes menu choices as values and refuses a missing one', async () => {
    expect(await act('snooze', ana)).toEqual({ kind: 'refused', text: 'Pick how long to snooze from the menu.' });
    expect(await act('snooze', ana, 1, '4h')).toMatchObject({ kind: 'card', alert: { state: 'snoozed' } });
    expect(await act('dismiss', ana, 2, 'because')).toMatchObject({ kind: 'refused' });
    expect(await act('dismiss', ana, 2, 'spam')).toMatchObject({ kind: 'card', alert: { state: 'dismissed' } });
  });

  it('asks the chat to announce an escalation, and gives a suggested reply privately with its verdict', async () => {
    expect(await act('escalate', ana)).toMatchObject({ kind: 'card', announce: 'escalation' });
    const reply = await act('reply', ana, 2, 'apologise-and-resolve');
    expect(reply).toMatchObject({ kind: 'private', title: 'Suggested reply (apologise-and-resolve):', note: expect.stringMatching(/^Reply guard: /) });
    expect(await act('reply', ana, 2, 'no-such-template')).toMatchObject({ kind: 'refused' });
  });

  it('lists one account\'s queue with /triage queue <account>, by id or name', async () => {
    fx.store.ingest({ source: 'facebook:foundation-fb', mentions: [{ ...mention({ text: 'charged twice for the gala tickets and nobody answers', createdAt: Date.now() }), account: 'foundation-fb' }], now: Date.now() }, decideFor(fx.deps));
    const accounts = accountDirectory([{ id: 'foundation-fb', platform: 'facebook', name: 'Riverbend Foundation', routing: {}, fromFile: true, variables: {}, config: { pageId: '1', pageToken: 't', graphUrl: 'http://127.0.0.1:9/v26.0', backfillHours: 24 } }]);
    const withAccounts: HandlerContext = { ...ctx, deps: { ...fx.deps, accounts } };
    const queue = commands.find((c) => c.name === 'queue')!;
    for (const named of ['foundation-fb', 'riverbend foundation']) {
      expect(await queue.run({ actor: ana, options: { account: named } }, withAccounts)).toMatchObject({ kind: 'report', sections: [{ title: 'Queue of Riverbend Foundation: 1 open (0 past first-response target)', alerts: [{ id: 3, mention: { account: 'foundation-fb' } }] }] });
    }
    expect(await queue.run({ actor: ana, options: { account: 'north' } }, withAccounts)).toEqual({ kind: 'text', text: 'No account "north". Accounts: foundation-fb.' });
    expect(await queue.run({ actor: ana, options: {} }, withAccounts)).toMatchObject({ sections: [{ title: 'Queue: 3 open (0 past first-response target)' }] });
  });

  it('answers every subcommand with text, a report or a digest', async () => {
    const run = (name: string, options: Record<string, string> = {}) => commands.find((c) => c.name === name)!.run({ actor: ana, options }, ctx);
    expect(await run('queue')).toMatchObject({ kind: 'report', sections: [{ title: 'Queue: 2 open (0 past first-response target)', alerts: [{ id: 1 }, { id: 2 }] }] });
    expect(await run('find', { text: 'collections' })).toMatchObject({ kind: 'report', sections: [{ alerts: [{ id: 1 }] }] });
    expect(await run('find', { text: ' ' })).toMatchObject({ kind: 'text' });
    expect(await run('digest', { week: 'W47-2026' })).toMatchObject({ kind: 'text' });
    expect(await run('digest')).toMatchObject({ kind: 'digest', digest: { chartPng: expect.any(Buffer) } });
    expect((await run('sla'))).toMatchObject({ kind: 'report' });
    expect((await run('templates'))).toMatchObject({ kind: 'report', sections: [{ fields: expect.any(Array) }] });
  });

  it('keeps every handler free of any chat library', () => {
    for (const folder of ['components', 'commands', 'jobs']) {
      for (const file of readdirSync(join(ROOT, 'handlers', folder))) {
        const source = readFileSync(join(ROOT, 'handlers', folder, file), 'utf8');
        expect(source, file).not.toMatch(/from '(discord\.js|@slack\/[\w-]+)'|src\/chat\/(discord|slack)\//);
      }
    }
  });
});
