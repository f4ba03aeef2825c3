import { Test } from '@nestjs/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FaceEngine } from './face.engine';
import { FaceEngineUnavailableError } from './face.errors';
import { FaceModule } from './face.module';

const image = readFileSync(join(__dirname, '../../../test/fixtures/faces/raj/raj1.png'));

describe('FaceModule', () => {
  it('provides a started FaceEngine and terminates its workers when the application closes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [FaceModule.forRoot({ pool: { workers: 1 } })],
    }).compile();
    const app = await moduleRef.init();
    const engine = app.get(FaceEngine);
    expect(engine.stats().workers).toBe(1);
    expect((await engine.analyze(image)).faces).toHaveLength(1);

    await app.close();
    const error = await engine.analyze(image).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FaceEngineUnavailableError);
    expect((error as FaceEngineUnavailableError).code).toBe('closed');
  });

  it('takes its configuration from a factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        FaceModule.forRootAsync({
          useFactory: () => ({ pool: { workers: 1 }, matching: { samePersonThreshold: 0.55 } }),
        }),
      ],
    }).compile();
    const engine = moduleRef.get(FaceEngine);
    expect(engine.config.matching.samePersonThreshold).toBe(0.55);
    await moduleRef.close();
  });
});
