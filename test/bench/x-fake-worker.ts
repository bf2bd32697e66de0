/**
 * Runs the fake X API in a worker thread for the poller benchmark, so that generating responses
 * (the real API's work, on another machine) does not share the measured thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakeXApi } from '../fakes/fake-x-api.js';

const { texts, count } = workerData as { texts: string[]; count: number };
const fake = new FakeXApi();
fake.rateLimit = 1_000_000;
fake.addUser({ id: '900', username: 'RiverbendHealth', name: 'Riverbend Health', followers: 1 });
for (let u = 0; u < 500; u++) fake.addUser({ id: String(10_000 + u), username: `user${u}`, name: `User ${u}`, followers: u * 7 });
const start = Date.now() - 3600_000;
for (let i = 0; i < count; i++) {
  fake.addTweet({ text: `@RiverbendHealth ${texts[i % texts.length]}`, authorId: String(10_000 + (i % 500)), createdAt: new Date(start + i).toISOString() });
}
const baseUrl = await fake.start();
parentPort!.postMessage({ baseUrl, token: fake.token });
parentPort!.on('message', async (message: string) => {
  if (message === 'stop') {
    const requests = fake.requestsTo('/mentions').length;
    await fake.stop();
    parentPort!.postMessage({ requests });
  }
});
