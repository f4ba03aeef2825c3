import fc from 'fast-check';
import { RequestValidationException, ZodValidationPipe } from '@kuzet/http';
import {
  addPhotosSchema,
  createWatchlistSchema,
  enrolPersonSchema,
  personQuerySchema,
  personSearchSchema,
  photoCheckSchema,
  reasonSchema,
  updatePersonSchema,
  updateWatchlistSchema,
  watchlistQuerySchema,
} from './watchlist.dto';
import { iou, verdictOf } from '../enrolment/face-enrolment';

const SCHEMAS = {
  createWatchlistSchema,
  updateWatchlistSchema,
  reasonSchema,
  enrolPersonSchema,
  addPhotosSchema,
  updatePersonSchema,
  photoCheckSchema,
  watchlistQuerySchema,
  personQuerySchema,
  personSearchSchema,
};

interface StaffError {
  field: string;
  rule: string;
  message: string;
}

function refusal(pipe: ZodValidationPipe<never>, value: unknown): StaffError[] | null {
  try {
    pipe.transform(value);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(RequestValidationException);
    expect((error as RequestValidationException).getStatus()).toBe(400);
    return [...(error as RequestValidationException).staffErrors];
  }
}

/** The watchlist administrator's request bodies and queries at the API boundary: anything
 * at all is either taken or refused with a 400 naming fields, never a crash. */
describe('watchlist admin request schemas (property)', () => {
  it.each(Object.entries(SCHEMAS))(
    '%s: any JSON is parsed or refused by field, never thrown otherwise',
    (_, schema) => {
      const pipe = new ZodValidationPipe(schema as never);
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          try {
            pipe.transform(value);
          } catch (error) {
            expect(error).toBeInstanceOf(RequestValidationException);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it('a threshold is taken only in (0, 1]; the update refuses an empty body and unknown fields', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: false }), (value) => {
        const parsed = updateWatchlistSchema.safeParse({ similarity_threshold: value });
        expect(parsed.success).toBe(Number.isFinite(value) && value > 0 && value <= 1);
      }),
    );
    expect(updateWatchlistSchema.safeParse({}).success).toBe(false);
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1 })
          .filter(
            (key) =>
              ![
                'name',
                'category',
                'similarity_threshold',
                'priority',
                'colour',
                'expires_at',
              ].includes(key) && !['__proto__', 'constructor'].includes(key),
          ),
        (key) => {
          expect(updateWatchlistSchema.safeParse({ priority: 1, [key]: 1 }).success).toBe(false);
        },
      ),
    );
  });

  it('a person search refuses every unknown query parameter (a misspelt filter never lists everyone)', () => {
    const known = new Set(['limit', 'cursor', 'name', 'case_reference', 'status']);
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1, maxLength: 20 })
          .filter((key) => !known.has(key) && !['__proto__', 'constructor'].includes(key)),
        fc.string(),
        (key, value) => {
          const parsed = personQuerySchema.safeParse({ [key]: value });
          expect(parsed.success).toBe(false);
          expect(parsed.error!.issues.some((issue) => issue.code === 'unrecognized_keys')).toBe(
            true,
          );
        },
      ),
    );
  });

  it('a colour is #rrggbb in lower case and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 9 }), (text) => {
        expect(createWatchlistSchema.shape.colour.safeParse(text).success).toBe(
          /^#[0-9a-f]{6}$/.test(text),
        );
      }),
    );
  });

  it('a person’s instructions are 1..1000 characters once trimmed; anything else is a 400 naming instructions', () => {
    const enrol = new ZodValidationPipe(enrolPersonSchema as never);
    const update = new ZodValidationPipe(updatePersonSchema as never);
    const photos = [{ data: 'AAAA' }];
    // each error names the field (zod may report a wrong type and a length on it both)
    const fieldsOf = (errors: StaffError[] | null) => [...new Set(errors?.map((e) => e.field))];
    const bad = fc.oneof(
      fc.string({ minLength: 1001, maxLength: 1200 }).filter((s) => s.trim().length > 1000),
      fc.stringMatching(/^[ \t\n\r]{0,20}$/),
      fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string()), fc.object()),
    );
    fc.assert(
      fc.property(bad, (instructions) => {
        expect(fieldsOf(refusal(enrol, { full_name: 'Amy', photos, instructions }))).toEqual([
          'instructions',
        ]);
        expect(fieldsOf(refusal(update, { instructions }))).toEqual(['instructions']);
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 1000 }).filter((s) => s.trim().length > 0),
        (text) => {
          const taken = updatePersonSchema.parse({ instructions: ` ${text} ` });
          expect(taken.instructions).toBe(text.trim());
          expect(
            enrolPersonSchema.parse({ full_name: 'Amy', photos, instructions: text }).instructions,
          ).toBe(text.trim());
        },
      ),
    );
    // null clears them on a change; an enrolment simply leaves them out
    expect(updatePersonSchema.parse({ instructions: null }).instructions).toBeNull();
    expect(fieldsOf(refusal(enrol, { full_name: 'Amy', photos, instructions: null }))).toEqual([
      'instructions',
    ]);
  });

  it('a removal without a reason names the field', () => {
    const errors = refusal(new ZodValidationPipe(reasonSchema as never), {});
    expect(errors).not.toBeNull();
  });
});

describe('photo verdicts and the face choice', () => {
  it('names the most telling quality reason', () => {
    expect(verdictOf([])).toBe('ok');
    expect(verdictOf(['blurry', 'too_small'])).toBe('too_small');
    expect(verdictOf(['yaw'])).toBe('turned_away');
    expect(verdictOf(['pitch', 'blurry'])).toBe('turned_away');
    expect(verdictOf(['blurry'])).toBe('blurred');
    expect(verdictOf(['low_score'])).toBe('low_score');
  });

  it('overlap is symmetric, in [0, 1], and 1 for a box with itself', () => {
    const box = fc.record({
      x: fc.double({ min: 0, max: 1000, noNaN: true }),
      y: fc.double({ min: 0, max: 1000, noNaN: true }),
      width: fc.double({ min: 1, max: 500, noNaN: true }),
      height: fc.double({ min: 1, max: 500, noNaN: true }),
    });
    fc.assert(
      fc.property(box, box, (a, b) => {
        const ab = iou(a, b);
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(1 + 1e-9);
        expect(ab).toBeCloseTo(iou(b, a), 9);
        expect(iou(a, a)).toBeCloseTo(1, 9);
      }),
    );
  });
});
