/**
 * The fakes of the accounts benchmark (one per account, five platforms), in a worker thread so that
 * serving them (the platforms' work, on other machines) does not share the measured thread. Posts
 * back the accounts file's entries and the environment that holds their secrets.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakeBluesky } from '../fakes/fake-bluesky.js';
import { FakeFacebook } from '../fakes/fake-facebook.js';
import { FakeGoogle } from '../fakes/fake-google.js';
import { FakeMastodon } from '../fakes/fake-mastodon.js';
import { FakeXApi } from '../fakes/fake-x-api.js';

const COMPLAINTS = [
  'been on hold with billing for 50 minutes and nobody answers',
  'the patient portal is down again and I cannot see anything',
  'charged twice for the same visit, nobody calls back',
  'waited three hours in urgent care and left without being seen',
  'parking garage is a maze and the signs are wrong',
  'thank you to the nurses on 4 West, wonderful people',
];

const { perPlatform, perAccount } = workerData as { perPlatform: number; perAccount: number };
const now = Date.now();
const stops: Array<() => Promise<void>> = [];
const accounts: object[] = [];
const env: Record<string, string> = {};
const text = (i: number, j: number) => `${COMPLAINTS[(i + j) % COMPLAINTS.length]} (${i}.${j})`;
const at = (j: number) => now - (perAccount - j) * 1000 - 60_000;
for (let i = 0; i < perPlatform; i++) {
  const x = new FakeXApi();
  x.rateLimit = 1_000_000;
  const bluesky = new FakeBluesky({ handle: `account${i}.bsky.social` });
  const mastodon = new FakeMastodon();
  const facebook = new FakeFacebook();
  const google = new FakeGoogle();
  await Promise.all([x.start(), bluesky.start(), mastodon.start(), facebook.start(), google.start()]);
  stops.push(() => x.stop(), () => bluesky.stop(), () => mastodon.stop(), () => facebook.stop(), () => google.stop());
  // Real ids never collide across accounts; the fakes count from apart.
  facebook.counter = google.counter = i * 10 * perAccount;
  x.addUser({ id: String(900 + i), username: `Riverbend${i}`, name: `Riverbend ${i}`, followers: 12000 });
  x.addUser({ id: '5000', username: 'pat_q', name: 'Pat Q', followers: 10 });
  const pat = bluesky.addAccount({ handle: `pat${i}.bsky.social` });
  const sam = mastodon.addAccount({ username: 'sam', displayName: 'Sam R', followers: 12 });
  const post = facebook.addPost({ message: 'Flu shots this Saturday', createdAt: now - 3600_000 });
  for (let j = 0; j < perAccount; j++) {
    x.addTweet({ id: String(1_990_000_000_000_000_000n + BigInt(i * perAccount + j)), text: `@Riverbend${i} ${text(i, j)}`, authorId: '5000', createdAt: new Date(at(j)).toISOString() });
    bluesky.addPost({ author: pat, text: `@${bluesky.me.handle} ${text(i, j)}` });
    // Mastodon ids grow with time: each account's statuses a few ms apart from the others'.
    mastodon.addStatus({ account: sam, content: `<p>@riverbend ${text(i, j)}</p>`, createdAt: new Date(at(j) + i).toISOString() });
    facebook.addComment({ postId: post.id, message: text(i, j), from: { id: `26000000${i}${j}`, name: `Person ${j}` }, createdAt: at(j) });
    google.addReview({ starRating: 'TWO', comment: text(i, j), displayName: `Reviewer ${j}`, createdAt: at(j) });
  }
  accounts.push(
    { id: `x-${i}`, platform: 'x', name: `X ${i}`, handle: `Riverbend${i}`, apiBaseUrl: x.baseUrl, bearerTokenEnv: `X_${i}_TOKEN` },
    { id: `bsky-${i}`, platform: 'bluesky', name: `Bluesky ${i}`, handle: bluesky.me.handle, service: bluesky.baseUrl, appPasswordEnv: `BSKY_${i}_PASSWORD` },
    { id: `masto-${i}`, platform: 'mastodon', name: `Mastodon ${i}`, url: mastodon.baseUrl, accessTokenEnv: `MASTO_${i}_TOKEN` },
    { id: `fb-${i}`, platform: 'facebook', name: `Facebook ${i}`, pageId: facebook.page.id, graphUrl: facebook.baseUrl, pageTokenEnv: `FB_${i}_TOKEN` },
    { id: `google-${i}`, platform: 'google', name: `Google ${i}`, accountId: google.accountId, locationIds: ['4101'], apiBaseUrl: google.baseUrl, tokenUrl: google.tokenUrl, clientIdEnv: `G_${i}_ID`, clientSecretEnv: `G_${i}_SECRET`, refreshTokenEnv: `G_${i}_REFRESH` },
  );
  Object.assign(env, {
    [`X_${i}_TOKEN`]: x.token, [`BSKY_${i}_PASSWORD`]: bluesky.appPassword, [`MASTO_${i}_TOKEN`]: mastodon.token, [`FB_${i}_TOKEN`]: facebook.token,
    [`G_${i}_ID`]: google.clientId, [`G_${i}_SECRET`]: google.clientSecret, [`G_${i}_REFRESH`]: google.refreshToken,
  });
}
parentPort!.postMessage({ accounts, env });
parentPort!.on('message', async (message: string) => {
  if (message === 'stop') {
    await Promise.all(stops.map((stop) => stop()));
    parentPort!.postMessage('stopped');
  }
});
