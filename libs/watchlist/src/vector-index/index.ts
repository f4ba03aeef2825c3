export * from './vector-index.types';
export { ExactVectorIndex } from './exact-vector-index';
export { DEFAULT_HNSW_OPTIONS, HnswVectorIndex } from './hnsw-vector-index';
export { DEFAULT_SKETCH_OPTIONS, SketchVectorIndex } from './sketch-vector-index';
export type { SketchOptions } from './sketch-vector-index';
export {
  AdaptiveVectorIndex,
  createVectorIndex,
  DEFAULT_APPROXIMATE_ABOVE,
} from './adaptive-vector-index';
export type { ApproximateKind, VectorIndexMode, VectorIndexOptions } from './adaptive-vector-index';
