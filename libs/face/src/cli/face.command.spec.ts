import { Command } from 'commander';
import { join } from 'node:path';
import { FaceEngine } from '../face.engine';
import { FaceCommandIo, listImages, registerFaceCommands } from './face.command';

const FIXTURES = join(__dirname, '../../../../test/fixtures/faces');

async function run(
  ...args: string[]
): Promise<{ lines: Array<Record<string, unknown>>; exitCode: number | undefined }> {
  const lines: Array<Record<string, unknown>> = [];
  const io: FaceCommandIo = {
    writeLine: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    writeError: () => undefined,
    createEngine: (overrides) =>
      FaceEngine.create({ ...overrides, pool: { workers: 2, ...overrides.pool } }),
  };
  const program = new Command().exitOverride();
  registerFaceCommands(program, io);
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['face', ...args], { from: 'user' });
    return { lines, exitCode: process.exitCode };
  } finally {
    process.exitCode = previousExitCode;
  }
}

describe('face CLI commands', () => {
  it('analyze prints one JSON line per face, with the embedding on request', async () => {
    const { lines, exitCode } = await run('analyze', join(FIXTURES, 'bbt3.jpg'), '--embeddings');
    expect(exitCode).toBeUndefined();
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).toMatchObject({
        file: join(FIXTURES, 'bbt3.jpg'),
        modelId: 'faceplugin-face-recognition-js/fr_feature',
      });
      expect(line['box']).toEqual(
        expect.objectContaining({ x: expect.any(Number), width: expect.any(Number) }),
      );
      expect(line['quality']).toEqual(
        expect.objectContaining({ passed: expect.any(Boolean), reasons: expect.any(Array) }),
      );
      expect(line['embedding']).toHaveLength(512);
    }
  });

  it('analyze walks a folder in order and reports unreadable files as error lines', async () => {
    const { lines, exitCode } = await run('analyze', join(FIXTURES, 'raj'));
    expect(lines.map((line) => line['file'])).toEqual(
      [1, 2, 3, 4, 5].map((shot) => join(FIXTURES, 'raj', `raj${shot}.png`)),
    );
    expect(lines[0]).not.toHaveProperty('embedding');
    expect(exitCode).toBeUndefined();

    const broken = await run('analyze', join(FIXTURES, 'LICENSE'));
    expect(broken.lines).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ code: 'unsupported_format' }) }),
    ]);
    expect(broken.exitCode).toBe(1);
  });

  it('compare prints the similarity of the primary faces and the verdict at the threshold', async () => {
    const same = await run(
      'compare',
      join(FIXTURES, 'raj/raj1.png'),
      join(FIXTURES, 'raj/raj2.png'),
    );
    const different = await run(
      'compare',
      join(FIXTURES, 'raj/raj1.png'),
      join(FIXTURES, 'penny/penny1.png'),
    );
    expect(same.lines[0]).toMatchObject({ samePerson: true, threshold: 0.4 });
    expect(different.lines[0]).toMatchObject({ samePerson: false });
    expect(same.lines[0]!['similarity'] as number).toBeGreaterThan(
      different.lines[0]!['similarity'] as number,
    );
  });

  it('lists only image files, recursively and sorted', async () => {
    const images = await listImages(FIXTURES);
    expect(images).toHaveLength(52);
    expect(images.every((file) => /\.(jpg|png)$/.test(file))).toBe(true);
    expect(images).toEqual([...images].sort());
  });
});
