import { DynamicModule, Module } from '@nestjs/common';
import { KuzetConfig } from '@kuzet/config';
import { PlatformModule } from '@kuzet/platform';
import { AuditModule } from '../../audit/src/audit.module';
import { IngestModule } from '../../ingest/src/ingest.module';
import { MatcherModule } from '../../matcher/src/matcher.module';
import { OpsCenterModule } from '../../ops-center/src/ops-center.module';
import { ViolationsModule } from '../../violations/src/violations.module';
import { DemoModule } from './demo/demo.module';

/** Every app's modules in one process: on the in-process transport and embedded PostgreSQL
 * (`npm start`), or on Kafka and PostgreSQL with KUZET_MODE=distributed. */
@Module({})
export class StandaloneModule {
  static forRoot(config: Readonly<KuzetConfig>): DynamicModule {
    return {
      module: StandaloneModule,
      imports: [
        PlatformModule.forRoot({ service: 'standalone', config }),
        IngestModule,
        MatcherModule,
        ViolationsModule,
        OpsCenterModule,
        AuditModule,
        DemoModule,
      ],
    };
  }
}
