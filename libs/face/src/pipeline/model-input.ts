/** fr_detect and fr_feature both take pixels as (v - 127) / 128: the 256 possible values, computed once,
 * so filling an input tensor is a table look-up per channel instead of a subtraction and a division. */
export const CENTRED_PIXEL: Float32Array = Float32Array.from(
  { length: 256 },
  (_, v) => (v - 127) / 128,
);
