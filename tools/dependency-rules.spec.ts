import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** Runs the project's dependency rules over a small tree of its own. */
function violationsIn(files: Record<string, string>): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'kuzet-deps-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    writeFileSync(join(dir, 'tsconfig.json'), '{"compilerOptions":{"baseUrl":"."}}');
    const output = execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'),
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
        '--no-progress',
        ...new Set(Object.keys(files).map((path) => path.split('/')[0]!)),
      ],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return (JSON.parse(output) as { summary: { violations: Violation[] } }).summary.violations;
  } catch (error) {
    // depcruise exits non-zero when it finds violations; its JSON is still on stdout
    const stdout = (error as { stdout?: string }).stdout;
    if (!stdout) throw error;
    return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rules = (violations: Violation[]): string[] =>
  [...new Set(violations.map((v) => v.rule.name))].sort();

describe('the dependency rules of npm run lint', () => {
  it('pass a tree that keeps them', () => {
    expect(
      violationsIn({
        'libs/config/src/index.ts': 'export const a = 1;\n',
        'libs/messaging/src/index.ts': "export { a } from '../../config/src/index';\n",
        'apps/matcher/src/main.ts':
          "import { a } from '../../../libs/messaging/src/index';\nexport const b = a;\n",
      }),
    ).toEqual([]);
  });

  it('refuse a planted cycle between libs, and a lib importing a higher one', () => {
    const found = violationsIn({
      'libs/messaging/src/index.ts':
        "import { b } from '../../observability/src/index';\nexport const a = b;\n",
      'libs/observability/src/index.ts':
        "import { a } from '../../messaging/src/index';\nexport const b = 1;\nexport const c = a;\n",
    });
    expect(rules(found)).toEqual(['lib-layers', 'no-circular']);
  });

  it('refuse a planted import of one app by another', () => {
    const found = violationsIn({
      'apps/matcher/src/evidence.ts': 'export const store = 1;\n',
      'apps/audit/src/retention.ts':
        "import { store } from '../../matcher/src/evidence';\nexport const s = store;\n",
    });
    expect(rules(found)).toEqual(['no-app-to-app']);
  });

  it("refuse a planted import into another lib's internals", () => {
    const found = violationsIn({
      'libs/messaging/src/index.ts': "export * from './message-bus';\n",
      'libs/messaging/src/message-bus.ts': 'export const bus = 1;\n',
      'apps/ingest/src/publish.ts':
        "import { bus } from '../../../libs/messaging/src/message-bus';\nexport const p = bus;\n",
    });
    expect(rules(found)).toEqual(['no-deep-lib-import']);
  });
});
