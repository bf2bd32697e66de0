#!/usr/bin/env node
// The `triage` command. Only the version check (and node:module) is imported statically: the program itself is
// imported once the check has passed, so code that an older Node cannot even parse or link (newer
// syntax, a built-in module it lacks) never stands between the user and the one-line refusal.
import './node-guard.js';
import module from 'node:module';

// V8's compiled code of the program's modules is kept between runs (in the system's temporary
// folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off): a report starts ~15 ms sooner, and a cache
// that cannot be written is skipped without a word.
module.enableCompileCache?.();

await import('./cli.js');
