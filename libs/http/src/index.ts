export * from './zod-validation.pipe';
export * from './too-many-requests';
export * from './cursor-parts';
export * from './route-config';
export * from './openapi';
export * from './api-errors';
export * from './paging';
