/**
 * Vitest setup file: no test leaves a `triage` process behind, whether it passed, failed an
 * assertion half-way or timed out. Files that also stop fake servers call `stopSpawned()` first
 * in their own `afterEach`, so the process never outlives the server it talks to.
 */
import { afterEach } from 'vitest';
import { killSpawnedNow, stopSpawned } from './cli.js';

afterEach(stopSpawned);
process.once('exit', killSpawnedNow);
