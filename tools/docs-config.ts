// `npm run docs:config`: rewrites README.md's configuration table from libs/config
// (configSchema and CONFIG_DOCS). libs/config/src/config.docs.spec.ts fails when they differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withConfigTable } from '@kuzet/config';

const readme = join(__dirname, '..', 'README.md');
const before = readFileSync(readme, 'utf8');
const after = withConfigTable(before);
if (after !== before) writeFileSync(readme, after);
console.log(
  after === before
    ? 'README.md: configuration table up to date'
    : 'README.md: configuration table rewritten',
);
