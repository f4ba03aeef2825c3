import { ValueTransformer } from 'typeorm';

/** Embeddings are stored as the raw little-endian bytes of a Float32Array: a quarter of the
 * size of real[] text and loaded without parsing when the index is rebuilt. */
export const float32Bytes: ValueTransformer = {
  to: (value: Float32Array | null | undefined): Buffer | null | undefined =>
    value ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value,
  from: (value: Buffer | null): Float32Array | null => {
    if (!value) return null;
    const copy = new Float32Array(value.byteLength / 4);
    new Uint8Array(copy.buffer).set(value);
    return copy;
  },
};
