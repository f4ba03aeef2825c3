import { DynamicModule, Module } from '@nestjs/common';
import type { FaceEngineConfigOverrides } from './face.config';
import { FaceEngine } from './face.engine';

export const FACE_ENGINE_OVERRIDES = Symbol('FACE_ENGINE_OVERRIDES');

/**
 * Provides one FaceEngine (and its worker pool) per application, globally, so matching and
 * enrolment modules share it without importing FaceModule themselves. The pool starts while the
 * application initialises (models loaded before the first message is consumed) and is terminated
 * on shutdown: FaceEngine implements OnModuleDestroy, so `app.close()` or `enableShutdownHooks()`
 * ends the worker threads.
 */
@Module({})
export class FaceModule {
  static forRoot(overrides: FaceEngineConfigOverrides = {}): DynamicModule {
    return {
      module: FaceModule,
      global: true,
      providers: [
        { provide: FACE_ENGINE_OVERRIDES, useValue: overrides },
        {
          provide: FaceEngine,
          inject: [FACE_ENGINE_OVERRIDES],
          useFactory: (configured: FaceEngineConfigOverrides) => FaceEngine.create(configured),
        },
      ],
      exports: [FaceEngine],
    };
  }

  /** For engines configured from elsewhere (e.g. the platform's config module). */
  static forRootAsync(options: {
    readonly imports?: DynamicModule['imports'];
    readonly inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
    readonly useFactory: (
      ...dependencies: never[]
    ) => FaceEngineConfigOverrides | Promise<FaceEngineConfigOverrides>;
  }): DynamicModule {
    return {
      module: FaceModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: FACE_ENGINE_OVERRIDES,
          inject: options.inject ?? [],
          useFactory: options.useFactory,
        },
        {
          provide: FaceEngine,
          inject: [FACE_ENGINE_OVERRIDES],
          useFactory: (configured: FaceEngineConfigOverrides) => FaceEngine.create(configured),
        },
      ],
      exports: [FaceEngine],
    };
  }
}
