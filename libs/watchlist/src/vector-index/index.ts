export * from './vector-index.types';
export { ExactVectorIndex } from './exact-vector-index';
export { DEFAULT_HNSW_OPTIONS, HnswVectorIndex } from './hnsw-vector-index';
export {
  AdaptiveVectorIndex,
  createVectorIndex,
  DEFAULT_APPROXIMATE_ABOVE,
} from './adaptive-vector-index';
export type { VectorIndexMode, VectorIndexOptions } from './adaptive-vector-index';
