import { createXClient } from '../../src/sources/x/x-client.js';
import { createXMentionSource } from '../../src/sources/x/x-mention-source.js';
import type { XConfig } from '../../src/config.js';
import { FakeXApi } from '../fakes/fake-x-api.js';
import { runSourceConformance, type SourceDriver } from './conformance.js';

const BRAND = { id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 12000 };
const PAT = { id: '101', username: 'pat_q', name: 'Pat Q', followers: 340 };

/** The X adapter in the same suite: mentions are tweets with @RiverbendHealth. No edits, no empty pages with a token. */
function xDriver(): SourceDriver {
  const fake = new FakeXApi();
  return {
    platform: 'x',
    mainStream: 'mentions',
    pageSize: 5,
    backfillHours: 24,
    authHint: /X_BEARER_TOKEN/,
    async start() {
      await fake.start();
      fake.addUser(BRAND);
      fake.addUser(PAT);
    },
    stop: () => fake.stop(),
    createSource: ({ log, policy }) => {
      const config: XConfig = { bearerToken: fake.token, handle: BRAND.username, pollCron: '* * * * *', apiBaseUrl: fake.baseUrl, backfillHours: 24 };
      return createXMentionSource({ config, client: createXClient(config, { timeoutMs: 300 }), log, pageSize: 5, policy });
    },
    addMention({ ageMs, text } = {}) {
      const createdAt = ageMs === undefined ? undefined : new Date(Date.now() - ageMs).toISOString();
      return { nativeId: fake.addTweet({ text: `@RiverbendHealth ${text ?? 'hello'}`, authorId: PAT.id, ...(createdAt !== undefined && { createdAt }) }).id };
    },
    addOwnReply(to, at) {
      return { nativeId: fake.addTweet({ text: '@pat_q we are sorry, please DM us', authorId: BRAND.id, repliedTo: to.nativeId, inReplyToUserId: PAT.id, createdAt: new Date(at).toISOString() }).id };
    },
    fail(fault, times = 1) {
      if (fault.kind === 'rate-limit') fake.fail({ kind: 'status', status: 429, resetInSeconds: fault.resetInSeconds }, '/mentions', times);
      else if (fault.kind === 'server-error') fake.fail({ kind: 'status', status: 503 }, '/mentions', times);
      else if (fault.kind === 'bad-body') fake.fail({ kind: 'malformed' }, '/mentions', times);
      else if (fault.kind === 'hang') fake.fail({ kind: 'hang' }, '/mentions', times);
      else fake.fail({ kind: 'status', status: 401 }, '/mentions', times);
    },
    remove: (item) => fake.removeTweet(item.nativeId),
    mainStreamRequests: () => fake.requestsTo('/mentions').length,
  };
}

runSourceConformance('X', () => xDriver());
