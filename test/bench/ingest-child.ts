/**
 * `node ingest-child.js REPLAY DB`: the ingest benchmark's child process. It ingests REPLAY into a
 * SQLite file at DB through the replay path and prints one JSON line with the figures and its own
 * peak RSS, so the parent reads a whole process's peak and nothing of its own.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ingestReplay } from './ingest.js';

const [replay, db] = process.argv.slice(2) as [string, string];
const run = await ingestReplay({ DATABASE_PATH: db }, dirname(db), replay);
process.stdout.write(`${JSON.stringify({ ...run, dbBytes: statSync(db).size, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
