import { Module } from '@nestjs/common';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import {
  DiskEvidenceStore,
  EVIDENCE_STORE,
  EvidenceReader,
  PostgresEvidenceStore,
} from './evidence-store';

/** Hit evidence (probe face crops): written to the store EVIDENCE_STORE names, read from
 * either, purged by the audit app's retention. */
@Module({
  providers: [
    PostgresEvidenceStore,
    DiskEvidenceStore,
    EvidenceReader,
    {
      provide: EVIDENCE_STORE,
      inject: [KUZET_CONFIG, PostgresEvidenceStore, DiskEvidenceStore],
      useFactory: (config: KuzetConfig, pg: PostgresEvidenceStore, disk: DiskEvidenceStore) =>
        config.EVIDENCE_STORE === 'disk' ? disk : pg,
    },
  ],
  exports: [EVIDENCE_STORE, EvidenceReader, DiskEvidenceStore],
})
export class EvidenceModule {}
