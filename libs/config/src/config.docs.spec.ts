import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from './config.schema';
import { CONFIG_DOCS, configTable, withConfigTable } from './config.docs';

const README = join(__dirname, '../../../README.md');

describe("README's configuration table", () => {
  it('is the one generated from the schema (run `npm run docs:config` after changing it)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('lists every setting of the schema once, with a description', () => {
    const table = configTable();
    for (const name of Object.keys(configSchema.shape)) {
      expect(table.split('\n').filter((row) => row.startsWith(`| \`${name}\` `))).toHaveLength(1);
      expect(CONFIG_DOCS[name as keyof typeof CONFIG_DOCS].meaning.length).toBeGreaterThan(0);
    }
  });

  it('refuses a README without the markers', () => {
    expect(() => withConfigTable('# kuzet\n')).toThrow(/configuration table/);
  });
});
