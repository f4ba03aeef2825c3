import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The proto toolchain checks that `npm run proto:check` and `npm run proto:gen` stand for.
const ROOT = resolve(__dirname, '../../..');
const BASELINE = join(ROOT, 'proto/baseline.binpb');

function buf(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('npx', ['--no-install', 'buf', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function expectSuccess(r: { status: number | null; output: string }): void {
  if (r.status !== 0) throw new Error(`buf exited with ${r.status}:\n${r.output}`);
}

jest.setTimeout(60_000);

describe('proto contracts', () => {
  it('pass buf lint (STANDARD rules)', () => {
    expectSuccess(buf('lint'));
  });

  it('have no breaking change against proto/baseline.binpb', () => {
    expectSuccess(buf('breaking', '--against', BASELINE));
  });

  it('match the committed generated code in libs/contracts/src/gen', () => {
    const out = mkdtempSync(join(tmpdir(), 'kuzet-gen-'));
    try {
      expectSuccess(buf('generate', '-o', out));
      const dir = 'libs/contracts/src/gen/kuzet/v1';
      const fresh = readdirSync(join(out, dir)).sort();
      expect(readdirSync(join(ROOT, dir)).sort()).toEqual(fresh);
      for (const file of fresh) {
        const committed = readFileSync(join(ROOT, dir, file), 'utf8');
        // Run `npm run proto:gen` and commit the result when this fails.
        expect({ file, same: committed === readFileSync(join(out, dir, file), 'utf8') }).toEqual({
          file,
          same: true,
        });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('would catch a renamed field as a breaking change', () => {
    const work = mkdtempSync(join(tmpdir(), 'kuzet-breaking-'));
    try {
      cpSync(join(ROOT, 'buf.yaml'), join(work, 'buf.yaml'));
      cpSync(join(ROOT, 'proto/kuzet'), join(work, 'proto/kuzet'), { recursive: true });
      const file = join(work, 'proto/kuzet/v1/camera_event.proto');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('string camera_id = 2;', 'string camera_ref = 2;'),
      );
      const r = buf('breaking', work, '--against', BASELINE);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain('camera_id');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
