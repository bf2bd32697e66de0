#!/usr/bin/env node
// The `triage` command. Only the version check is imported statically: the program itself is
// imported once the check has passed, so code that an older Node cannot even parse or link (newer
// syntax, a built-in module it lacks) never stands between the user and the one-line refusal.
import './node-guard.js';

await import('./cli.js');
