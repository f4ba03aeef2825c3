import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, 'check-prerequisites.mjs');

function check(env: Record<string, string>): { status: number | null; lines: string[] } {
  const run = spawnSync(process.execPath, [SCRIPT], {
    encoding: 'utf8',
    env: { HOME: process.env.HOME ?? '/tmp', ...env },
    timeout: 20_000,
  });
  return { status: run.status, lines: `${run.stdout}${run.stderr}`.split('\n').filter(Boolean) };
}

describe('npm test prerequisites (pretest)', () => {
  it('names everything missing in one line and fails, before anything runs', () => {
    const { status, lines } = check({
      PATH: '/nonexistent',
      CHROMIUM_PATH: '/nonexistent/chromium',
      // a port nothing listens on
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test',
    });
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    for (const missing of ['java', 'mvn', 'chromium', 'kcat', 'protoc', 'PostgreSQL at']) {
      expect(lines[0]).toContain(missing);
    }
  });

  it('is skipped when asked', () => {
    expect(check({ PATH: '/nonexistent', KUZET_SKIP_PREREQUISITES: 'true' })).toEqual({
      status: 0,
      lines: [],
    });
  });
});
