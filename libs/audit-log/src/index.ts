export * from './audit-log.module';
export * from './audit-chain';
export * from './audit-checkpoint';
export * from './audit-keyring';
export * from './audit-log.service';
export * from './audit-log.repository';
