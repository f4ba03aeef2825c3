#!/usr/bin/env node
'use strict';
// The image's one entry point: `node deploy/start.js <app> [args...]` runs the built
// dist/apps/<app>/src/main.js with the remaining arguments (deploy/apps.ts describes each
// process; `cli` is the `kuzet` command-line tool, e.g. `cli db migrate` for the migrations Job).
const { resolve } = require('node:path');

const APPS = ['ingest', 'matcher', 'ops-center', 'violations', 'audit', 'cli'];
const [app, ...rest] = process.argv.slice(2);
if (!APPS.includes(app)) {
  process.stderr.write(`usage: node deploy/start.js <${APPS.join('|')}> [arguments]\n`);
  process.exit(64);
}
const main = resolve(__dirname, '..', 'dist', 'apps', app, 'src', 'main.js');
// the app reads its own arguments from process.argv, as if started as `node <main> ...`
process.argv = [process.argv[0], main, ...rest];
require(main);
