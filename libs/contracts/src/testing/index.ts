export * from './arbitraries';
export * from './samples';
