import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actions } from '../../handlers/index.js';
import { accountDirectory } from '../../src/accounts.js';
import type { Actor, HandlerContext } from '../../src/chat/handler-types.js';
import { composeReply, submitReply } from '../../src/chat/reply-desk.js';
import { decideFor } from '../../src/pipeline.js';
import { approvalFor } from '../../src/triage/reply-approval.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

/** Replies written on a card without any chat: compose, the guard as a gate, approval by a second person. */
describe('reply desk', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let ctx: HandlerContext;
  const kim: Actor = { name: '@kim', ref: 'U-kim', chat: 'test' };
  const lee: Actor = { name: '@lee', ref: 'U-lee', chat: 'test' };
  const now = Date.UTC(2026, 10, 20, 15, 0);
  const click = (id: string, actor: Actor, value: string) => actions.find((a) => a.id === id)!.run({ alertId: 1, actor, value }, ctx);
  const fb = { platform: 'facebook' as const, routing: {}, fromFile: true, variables: {}, config: { pageId: '1', pageToken: 't', graphUrl: 'http://127.0.0.1:9/v26.0', backfillHours: 24 } };

  async function alertFor(text: string, account?: string): Promise<number> {
    await fx.store.ingest({ source: 'test', mentions: [{ ...mention({ text, createdAt: now - 60_000 }), ...(account !== undefined && { account, platform: 'facebook' }) }], now }, decideFor(fx.deps));
    return (await fx.store.openAlerts(100)).map((a) => a.id).sort((a, b) => b - a)[0]!;
  }

  beforeEach(async () => {
    fx = await pipelineFixture(() => now);
    const accounts = accountDirectory([{ ...fb, id: 'open-fb', name: 'Open page' }, { ...fb, id: 'strict-fb', name: 'Strict page', approval: 'all' }]);
    ctx = { deps: { ...fx.deps, accounts }, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
  });
  afterEach(() => fx.close());

  it('blocks a reply that confirms the patient, keeps it as a draft, and queues it once edited', async () => {
    const alertId = await alertFor('my bill went to collections after insurance paid', 'open-fb');
    const blocked = await submitReply(ctx, { alertId, actor: kim, text: 'We are so sorry about the bill from your visit last week.' });
    expect(blocked).toMatchObject({ kind: 'blocked', draft: { state: 'blocked', guard: { ok: false, problems: expect.arrayContaining([expect.stringMatching(/confirms the author is a patient/)]) } } });
    if (blocked.kind !== 'blocked') throw new Error('not blocked');
    expect(await fx.store.replies.claimQueued(10, now, 60_000)).toEqual([]);
    const edited = await submitReply(ctx, { alertId, actor: kim, draftId: blocked.draft.id, text: 'We are sorry for the trouble. Please send us a private message so we can help.' });
    expect(edited).toMatchObject({ kind: 'queued', draft: { id: blocked.draft.id, state: 'queued', guard: { ok: true } } });
    expect((await fx.store.replies.events(blocked.draft.id)).map((e) => [e.actor, e.action, e.toState])).toEqual([['@kim', 'draft', 'blocked'], ['@kim', 'edit', 'queued']]);
  });

  it('holds the text to the platform\'s length on compose and in the guard', async () => {
    const alertId = await alertFor('my bill went to collections after insurance paid', 'open-fb');
    expect(await composeReply(ctx, { alertId, actor: kim })).toMatchObject({ kind: 'compose', maxLength: 8000, platformName: 'Facebook', text: '' });
    const tooLong = await submitReply(ctx, { alertId, actor: kim, text: 'Sorry. '.repeat(1200) });
    expect(tooLong).toMatchObject({ kind: 'blocked', draft: { guard: { problems: [expect.stringMatching(/^too long for Facebook/)] } } });
  });

  it('prefills the editor from a chosen suggested reply', async () => {
    const alertId = await alertFor('on hold for an hour with billing');
    const composed = await composeReply(ctx, { alertId, actor: kim, template: 'apologise-and-resolve' });
    expect(composed).toMatchObject({ kind: 'compose', platformName: 'X', maxLength: 280, text: expect.stringMatching(/\S/) });
    expect(await composeReply(ctx, { alertId, actor: kim, template: 'no-such-template' })).toMatchObject({ kind: 'refused' });
  });

  it('sends a reply on an approving account to a second person only, who may approve or reject it', async () => {
    const alertId = await alertFor('my bill went to collections after insurance paid', 'strict-fb');
    const waiting = await submitReply(ctx, { alertId, actor: kim, text: 'We are sorry for the trouble. Please send us a private message.' });
    expect(waiting).toMatchObject({ kind: 'awaiting-approval', draft: { approval: { required: true, reason: 'this account approves every reply' } } });
    if (waiting.kind !== 'awaiting-approval') throw new Error('not waiting');
    const id = String(waiting.draft.id);
    expect(await click('reply-approve', kim, id)).toMatchObject({ kind: 'refused', text: expect.stringMatching(/second person/) });
    expect(await fx.store.replies.claimQueued(10, now, 60_000)).toEqual([]);
    expect(await click('reply-approve', lee, id)).toMatchObject({ kind: 'private', title: 'Approved by @lee: sending.' });
    expect(await click('reply-reject', lee, id)).toMatchObject({ kind: 'refused', text: 'Not rejected: cannot reject a reply that is queued.' });
    expect((await fx.store.replies.events(waiting.draft.id)).map((e) => [e.actor, e.action, e.at])).toEqual([['@kim', 'draft', now], ['@lee', 'approve', now]]);
  });

  it('asks for a second person on a crisis whatever the account says', async () => {
    const alertId = await alertFor('i took way too much insulin, like 40 units by mistake and im shaking and sweaty', 'open-fb');
    const alert = (await fx.store.getAlert(alertId))!;
    expect(approvalFor('none', alert)).toEqual({ required: true, reason: 'a reply to a crisis needs a second person' });
    const reply = await submitReply(ctx, { alertId, actor: kim, text: 'Please call 911 or go to the nearest emergency room now.' });
    expect(reply).toMatchObject({ kind: 'awaiting-approval', draft: { approval: { required: true } } });
  });

  it('flags by account setting only the sensitive alerts', () => {
    const base = { categories: [] as const, reasons: [] as const };
    expect(approvalFor('flagged', { ...base, urgency: 'normal' })).toEqual({ required: false });
    expect(approvalFor('flagged', { ...base, urgency: 'high' })).toMatchObject({ required: true });
    expect(approvalFor('flagged', { categories: ['phi'], reasons: [], urgency: 'low' })).toMatchObject({ required: true });
    expect(approvalFor('none', { ...base, urgency: 'high' })).toEqual({ required: false });
  });

  it('refuses empty replies and unknown drafts', async () => {
    const alertId = await alertFor('on hold for an hour with billing');
    expect(await submitReply(ctx, { alertId, actor: kim, text: '   ' })).toEqual({ kind: 'refused', text: 'The reply is empty.' });
    expect(await submitReply(ctx, { alertId, actor: kim, text: 'hi', draftId: 999 })).toEqual({ kind: 'refused', text: 'That reply is no longer there.' });
    expect(await click('reply-approve', lee, 'x')).toMatchObject({ kind: 'refused' });
  });
});
