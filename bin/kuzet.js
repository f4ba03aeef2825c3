#!/usr/bin/env node
// `npx kuzet ...`: the command-line tool, run from the TypeScript sources.
require('../tools/register-ts.js');
require('../apps/cli/src/main.ts');
