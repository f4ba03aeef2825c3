export * from './plates/normalise';
export * from './matching/plate-index';
