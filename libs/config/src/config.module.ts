import { DynamicModule, Global, Module } from '@nestjs/common';
import { KuzetConfig } from './config.schema';

export const KUZET_CONFIG = Symbol('KUZET_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: Readonly<KuzetConfig>): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: KUZET_CONFIG, useValue: config }],
      exports: [KUZET_CONFIG],
    };
  }
}
