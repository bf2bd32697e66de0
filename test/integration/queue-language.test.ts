import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands } from '../../handlers/index.js';
import type { Actor, HandlerContext } from '../../src/chat/handler-types.js';
import { triageCommandJson } from '../../src/chat/discord/discord-interactions.js';
import { parseCommandText } from '../../src/chat/slack/slack-interactions.js';
import { decideFor } from '../../src/pipeline.js';
import { mention } from '../helpers/mentions.js';
import { pipelineFixture } from '../helpers/pipeline.js';

describe('/triage queue by language', () => {
  let fx: Awaited<ReturnType<typeof pipelineFixture>>;
  let ctx: HandlerContext;
  const ana: Actor = { name: '@ana', ref: 'U-ana', chat: 'test' };
  const queue = commands.find((c) => c.name === 'queue')!;
  const run = (options: Record<string, string> = {}) => queue.run({ actor: ana, options }, ctx);

  beforeEach(async () => {
    fx = await pipelineFixture();
    ctx = { deps: fx.deps, digest: fx.digest, timeZone: 'America/New_York', log: fx.log };
    const texts = [
      'on hold for an hour with billing',
      'me cobraron dos veces la consulta y nadie contesta',
      'mi hermano mezcló xanax con alcohol y no responde, what do i do??',
    ];
    await fx.store.ingest({ source: 'test', mentions: texts.map((text) => mention({ text, createdAt: Date.now() })), now: Date.now() }, decideFor(fx.deps));
  });
  afterEach(() => fx.close());

  it('lists only the alerts in the language asked for, by tag, code or name', async () => {
    expect(await run({ language: 'es' })).toMatchObject({ kind: 'report', sections: [{ title: 'Queue, es only: 1 open of 3', alerts: [{ language: 'es' }] }] });
    expect(await run({ language: 'Español' })).toMatchObject({ sections: [{ alerts: [{ language: 'es' }] }] });
    expect(await run({ language: 'es+en' })).toMatchObject({ sections: [{ alerts: [{ language: 'mixed', urgency: 'critical' }] }] });
    expect(await run({ language: 'en' })).toMatchObject({ sections: [{ alerts: [{ language: 'en' }] }] });
    expect(await run({ language: 'other' })).toMatchObject({ sections: [{ alerts: [], empty: 'Nothing open in other.' }] });
    const all = await run();
    expect(all.kind === 'report' ? all.sections[0]?.alerts : undefined).toHaveLength(3);
  });

  it('reads a language given where an account goes (Slack\'s one word) when no account has that name', async () => {
    expect(await run({ account: 'es' })).toMatchObject({ kind: 'report', sections: [{ title: 'Queue, es only: 1 open of 3', alerts: [{ language: 'es' }] }] });
  });

  it('refuses a language it does not know, saying what to type', async () => {
    expect(await run({ language: 'klingon' })).toEqual({ kind: 'text', text: 'Language: use es, es+en or en (or leave it out for every language).' });
  });

  it('takes the language as a Discord option and as the Slack text after the subcommand', () => {
    const sub = triageCommandJson(commands).options.find((o) => o.name === 'queue');
    expect(sub?.options).toEqual([
      { type: 3, name: 'account', description: expect.any(String), required: false, max_length: 80 },
      { type: 3, name: 'language', description: expect.any(String), required: false, max_length: 20 },
    ]);
    // Slack passes one word, read as an account, or as a language when no account has that name.
    expect(parseCommandText('queue es+en', new Map(commands.map((c) => [c.name, c])))?.options).toEqual({ account: 'es+en' });
    expect(parseCommandText('queue', new Map(commands.map((c) => [c.name, c])))?.options).toEqual({});
  });
});
