export * from './platform.module';
export * from './bootstrap';
export * from './validation/zod-validation.pipe';
export * from './project-root';
export type { HardenedRouteConfig } from './http/http-hardening';
export { TooManyRequestsException } from './http/too-many-requests';
export * from './validation/cursor-parts';
