import fc from 'fast-check';
import { ZodValidationPipe } from '@kuzet/http';
import { monthlyReportQuerySchema, responseTimesQuerySchema } from '@kuzet/reporting';
import {
  createPatrolUnitSchema,
  outcomeEntryRequestSchema,
  updatePatrolUnitSchema,
} from './outcome.schemas';

const REQUEST_FIELDS = new Set([
  '$',
  'step',
  'unit_id',
  'unit_text',
  'outcome',
  'note',
  'occurred_at',
  'corrects',
]);

/** What a client may send: the fields with valid and invalid values, and strays. */
const entryLike = fc.record(
  {
    step: fc.oneof(fc.constantFrom('dispatch', 'arrival', 'outcome'), fc.string(), fc.integer()),
    unit_id: fc.oneof(fc.uuid(), fc.string()),
    unit_text: fc.oneof(fc.string({ maxLength: 250 }), fc.constant('   ')),
    outcome: fc.oneof(
      fc.constantFrom('detained', 'not_found', 'not_the_subject', 'other'),
      fc.string(),
    ),
    note: fc.string({ maxLength: 1_100 }),
    occurred_at: fc.oneof(
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
    ),
    corrects: fc.oneof(fc.uuid(), fc.string()),
    stray: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('the outcome entry request (POST /v1/alerts/{id}/outcome-entries)', () => {
  const pipe = new ZodValidationPipe(outcomeEntryRequestSchema);

  it('accepts only entries that keep the rules, and names a field of the request for every refusal', () => {
    fc.assert(
      fc.property(entryLike, (body) => {
        let parsed: ReturnType<typeof outcomeEntryRequestSchema.parse> | undefined;
        try {
          parsed = pipe.transform(body) as typeof parsed;
        } catch (error) {
          const errors = (error as { staffErrors?: Array<{ field: string; rule: string }> })
            .staffErrors;
          expect(errors?.length).toBeGreaterThan(0);
          for (const e of errors ?? []) {
            expect(REQUEST_FIELDS.has(e.field.split('.')[0]!)).toBe(true);
            expect(e.rule).toMatch(/^[a-z_]+$/);
          }
          return;
        }
        const entry = parsed!;
        // a dispatch names exactly one unit; nothing else names one
        if (entry.step === 'dispatch')
          expect((entry.unit_id === undefined) !== (entry.unit_text === undefined)).toBe(true);
        else expect(entry.unit_id ?? entry.unit_text).toBeUndefined();
        // an outcome entry, and only it, says what came of it; "other" and corrections say why
        expect(entry.outcome !== undefined).toBe(entry.step === 'outcome');
        if (entry.outcome === 'other' || entry.corrects !== undefined)
          expect(entry.note?.trim().length).toBeGreaterThan(0);
        expect('stray' in entry).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts every well-formed entry', () => {
    const valid = fc.oneof(
      fc.record({
        step: fc.constant('dispatch' as const),
        unit_text: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ''),
      }),
      fc.record({
        step: fc.constant('arrival' as const),
        occurred_at: fc.constant('2026-01-15T10:05:00+05:00'),
      }),
      fc.record({
        step: fc.constant('outcome' as const),
        outcome: fc.constantFrom(
          'detained' as const,
          'not_found' as const,
          'not_the_subject' as const,
        ),
      }),
      fc.record({
        step: fc.constant('outcome' as const),
        outcome: fc.constant('other' as const),
        note: fc.string({ minLength: 1, maxLength: 1_000 }).filter((s) => s.trim() !== ''),
        corrects: fc.uuid(),
      }),
    );
    fc.assert(
      fc.property(valid, (body) => {
        expect(outcomeEntryRequestSchema.safeParse(body).success).toBe(true);
      }),
    );
  });

  it('refuses a correction without a reason with reason_required on note', () => {
    let refused: unknown;
    try {
      pipe.transform({ step: 'arrival', corrects: '7f1a3a3e-8a3a-4a3a-9a3a-7f1a3a3e8a3a' });
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      staffErrors: [expect.objectContaining({ field: 'note', rule: 'reason_required' })],
    });
  });
});

describe('patrol unit and report requests', () => {
  it('take call signs of 1..100 characters, and a change of at least one field', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const created = createPatrolUnitSchema.safeParse(body);
        if (created.success) expect(created.data.call_sign.length).toBeGreaterThan(0);
        const updated = updatePatrolUnitSchema.safeParse(body);
        if (updated.success) expect(Object.keys(updated.data).length).toBeGreaterThan(0);
      }),
      { numRuns: 1_000 },
    );
  });

  it('take a month as YYYY-MM, 01..12, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.integer({ min: 1990, max: 2110 }),
        fc.integer({ min: 0, max: 13 }),
        (junk, year, month) => {
          const iso = `${year}-${String(month).padStart(2, '0')}`;
          const ok = year >= 2000 && year <= 2099 && month >= 1 && month <= 12;
          expect(monthlyReportQuerySchema.safeParse({ month: iso }).success).toBe(ok);
          expect(responseTimesQuerySchema.safeParse({ month: iso, limit: '10' }).success).toBe(ok);
          if (!/^\d{4}-\d{2}$/.test(junk))
            expect(monthlyReportQuerySchema.safeParse({ month: junk }).success).toBe(false);
        },
      ),
    );
  });
});
