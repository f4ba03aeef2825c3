export * from './platform.module';
export * from './bootstrap';
export * from './validation/zod-validation.pipe';
export * from './project-root';
