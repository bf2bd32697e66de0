/**
 * `npm run bench`: throughput figures for the README and closing notes. Not a test: it prints numbers
 * and fails only when it cannot run. Each benchmark takes what it needs from the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Sentiment from 'sentiment';
import { createClassifier } from '../../src/classify/classify-mention.js';
import { lexiconSchema } from '../../src/classify/lexicon.js';
import { PROJECT_ROOT } from '../../src/config.js';

const DATASETS = join(PROJECT_ROOT, '..', 'shared', 'datasets');

function loadTexts(): { texts: string[]; from: string } {
  const airline = join(DATASETS, 'airline.jsonl');
  if (existsSync(airline)) {
    const texts = readFileSync(airline, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { text: string }).text);
    return { texts, from: 'airline.jsonl' };
  }
  // Without the shared datasets (a fresh clone elsewhere), the bundled sample, repeated, stands in.
  const sample = readFileSync(join(PROJECT_ROOT, 'data', 'sample-mentions.jsonl'), 'utf8').trim().split('\n');
  const texts = Array.from({ length: 15_000 }, (_, i) => (JSON.parse(sample[i % sample.length] as string) as { text: string }).text);
  return { texts, from: 'data/sample-mentions.jsonl (repeated; ../shared/datasets not found)' };
}

/** Messages per second over `rounds` passes, after one warm-up pass. */
function throughput(texts: readonly string[], run: (text: string) => unknown, rounds = 5): number {
  for (const text of texts) run(text);
  const start = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const text of texts) run(text);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (texts.length * rounds) / seconds;
}

export function benchClassifier(): void {
  const { texts, from } = loadTexts();
  const lexicon = lexiconSchema.parse(JSON.parse(readFileSync(join(PROJECT_ROOT, 'data', 'lexicon.json'), 'utf8')));
  const classifier = createClassifier(lexicon);
  const raw = new Sentiment();
  const rawRate = throughput(texts, (text) => raw.analyze(text));
  const fullRate = throughput(texts, (text) => classifier.classify(text));
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9);
  console.log(`classifier (${texts.length.toLocaleString('en-US')} messages from ${from}, one core, 5 rounds):`);
  console.log(`  raw sentiment      ${fmt(rawRate)} msg/s`);
  console.log(`  full classifier    ${fmt(fullRate)} msg/s   (${(fullRate / rawRate).toFixed(2)} × raw; targets ≥ 50,000 msg/s and ≥ 0.5 ×)`);
}

const benches: Record<string, () => void | Promise<void>> = {
  classifier: benchClassifier,
};

const only = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  await run();
  console.log();
}
