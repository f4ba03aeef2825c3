export * from './evidence-store';
export * from './evidence.module';
