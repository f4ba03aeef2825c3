export * from './platform.module';
export * from './bootstrap';
export * from './project-root';
export * from './schedule/every';
