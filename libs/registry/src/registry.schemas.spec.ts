import fc from 'fast-check';
import { createCameraSchema, updateCameraSchema } from './registry.schemas';

const MIN = 15;
const MAX = 604_800;

/** A camera's own silence interval at the registry's boundary: whole seconds from 15 s (a sign
 * of life is written at most every 10 s) to 7 days, or null for its kind's or the global one. */
describe('silent_after_seconds of a camera', () => {
  it('takes every whole number of seconds in 15..604800 and refuses every other number, naming the field', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.integer({ min: MIN - 5, max: MIN + 5 }), fc.double()),
        (value) => {
          const parsed = updateCameraSchema.safeParse({ silent_after_seconds: value });
          const valid = Number.isInteger(value) && value >= MIN && value <= MAX;
          expect(parsed.success).toBe(valid);
          if (!parsed.success)
            expect(parsed.error.issues[0]?.path).toEqual(['silent_after_seconds']);
        },
      ),
    );
  });

  it('takes null (back to the kind or global interval) and no value at all', () => {
    expect(updateCameraSchema.parse({ silent_after_seconds: null })).toEqual({
      silent_after_seconds: null,
    });
    const created = createCameraSchema.parse({
      id: 'aktau-cam-0100',
      name: 'x',
      district_id: 'aktau-city',
    });
    expect(created.silent_after_seconds).toBeUndefined();
    expect(updateCameraSchema.safeParse({ silent_after_seconds: '60' }).success).toBe(false);
  });
});
