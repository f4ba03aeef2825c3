import { fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { CameraEventSchema } from '../gen/kuzet/v1/camera_event_pb';
import { arbCameraEvent, arbDamaged } from '../testing/arbitraries';
import { encodeCameraEvent } from './api';
import { peekCameraEventPayload } from './camera-event-payload';
import { NOW } from './test-helpers';

/** What protobuf-es makes of the bytes: the payload case, or 'unparsable'. */
function parsedCase(bytes: Uint8Array): string | undefined {
  try {
    return fromBinary(CameraEventSchema, bytes).payload.case;
  } catch {
    return 'unparsable';
  }
}

/** Bytes protobuf-es parses and would write back identically: well-formed, every field with its
 * own wire type (protobuf-es reads a known field by its type whatever the tag's wire type says,
 * which the peek, reading tags only, cannot follow). */
function canonical(bytes: Uint8Array): boolean {
  try {
    const again = toBinary(CameraEventSchema, fromBinary(CameraEventSchema, bytes));
    return again.length === bytes.length && again.every((byte, i) => byte === bytes[i]);
  } catch {
    return false;
  }
}

describe('peekCameraEventPayload', () => {
  it('names the payload of every valid event (2,000 runs)', () => {
    fc.assert(
      fc.property(arbCameraEvent(NOW), (event) => {
        expect(peekCameraEventPayload(encodeCameraEvent(event))).toBe(event.payload.case);
      }),
      { numRuns: 2_000 },
    );
  });

  it('agrees with a full decode of every well-formed encoding, and never throws (20,000 runs)', () => {
    const encodings = fc
      .sample(arbCameraEvent(NOW), { numRuns: 16, seed: 7 })
      .map(encodeCameraEvent);
    const damaged = arbDamaged(encodings, 6, 7);
    let compared = 0;
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 256 }), damaged), (bytes) => {
        const peeked = peekCameraEventPayload(bytes);
        if (canonical(bytes)) {
          compared++;
          expect(peeked).toBe(parsedCase(bytes));
        }
      }),
      // a fixed seed: how many of the samples come out well-formed depends on it
      { numRuns: 20_000, seed: 20_261_203 },
    );
    // the comparison has to have happened, not just the absence of throws
    expect(compared).toBeGreaterThan(1_000);
  });

  it('reads a repeated payload field as the decoder does: the last one wins', () => {
    const alarm = encodeCameraEvent(
      fc.sample(
        arbCameraEvent(NOW).filter((e) => e.payload.case === 'alarm'),
        { numRuns: 1, seed: 3 },
      )[0]!,
    );
    const frame = encodeCameraEvent(
      fc.sample(
        arbCameraEvent(NOW).filter((e) => e.payload.case === 'faceFrame'),
        { numRuns: 1, seed: 3 },
      )[0]!,
    );
    const both = new Uint8Array([...frame, ...alarm]);
    expect(peekCameraEventPayload(both)).toBe('alarm');
    expect(parsedCase(both)).toBe('alarm');
  });
});
