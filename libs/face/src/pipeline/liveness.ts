import * as ort from 'onnxruntime-node';
import type { Box } from '../face.types';
import { resampleRegion } from '../image/resample';
import type { RgbImage } from '../image/rgb-image';

const LIVENESS_INPUT_SIZE = 128;
/** fr_liveness looks at the face with its surroundings (screen bezels, paper edges): 2.7x the box. */
const LIVENESS_CONTEXT = 2.7;
/** Index of the "live" class among the model's three outputs, as the package's own demo reads it; on
 * the (all genuine) fixture faces it scores 0.5 or more for 57 of 70 faces with raw 0..255 RGB input.
 * Unvalidated against real spoofs, hence off by default. */
const LIVE_CLASS = 0;

export async function estimateLiveness(
  session: ort.InferenceSession,
  image: RgbImage,
  box: Box,
): Promise<number> {
  const side = Math.max(box.width, box.height) * LIVENESS_CONTEXT;
  const centreX = box.x + box.width / 2;
  const centreY = box.y + box.height / 2;
  const region = { x: centreX - side / 2, y: centreY - side / 2, width: side, height: side };
  const pixels = resampleRegion(
    { ...image, channels: 3 },
    region,
    LIVENESS_INPUT_SIZE,
    LIVENESS_INPUT_SIZE,
  );
  const plane = LIVENESS_INPUT_SIZE * LIVENESS_INPUT_SIZE;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    input[i] = pixels[i * 3]!;
    input[plane + i] = pixels[i * 3 + 1]!;
    input[2 * plane + i] = pixels[i * 3 + 2]!;
  }
  const outputs = await session.run({
    input: new ort.Tensor('float32', input, [1, 3, LIVENESS_INPUT_SIZE, LIVENESS_INPUT_SIZE]),
  });
  const logits = outputs['output']?.data;
  if (!(logits instanceof Float32Array) || logits.length !== 3)
    throw new Error('fr_liveness returned unexpected output.');
  return softmax(logits)[LIVE_CLASS]!;
}

function softmax(logits: Float32Array): number[] {
  const maximum = Math.max(...logits);
  const exponentials = Array.from(logits, (value) => Math.exp(value - maximum));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}
