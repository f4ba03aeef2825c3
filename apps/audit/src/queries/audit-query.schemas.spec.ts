import fc from 'fast-check';
import { auditLogQuerySchema, hitFilterSchema, hitPageSchema } from './audit-query.schemas';
import { hitCsvHeader, localTime, UTF8_BOM } from './hits-csv';

/** The auditors' query strings: what a browser may send is parsed or refused, never passed on
 * half-checked; the CSV's local times are the centres' wall clock. */
describe('auditor request schemas', () => {
  const queryValue = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('айгерим', 'desc', 'asc', 'audit.query,alert.viewed', '0.5', '-2', '%_'),
  );
  const query = fc.dictionary(
    fc.constantFrom(
      'person_name',
      'centre_id',
      'camera_id',
      'min_score',
      'decision',
      'from',
      'actions',
      'order',
      'limit',
      'cursor',
      'colour',
    ),
    queryValue,
  );

  it('hit filters: a name of 2..200 characters after trimming, any script', () => {
    expect(hitFilterSchema.parse({ person_name: '  Айгерим ' }).person_name).toBe('Айгерим');
    expect(hitFilterSchema.safeParse({ person_name: 'a' }).success).toBe(false);
    expect(hitFilterSchema.safeParse({ centre_id: 'aktau' }).success).toBe(true);
    fc.assert(
      fc.property(query, (q) => {
        const parsed = hitPageSchema.safeParse(q);
        if (!parsed.success) return;
        const name = parsed.data.person_name;
        if (name !== undefined) expect(name.length).toBeGreaterThanOrEqual(2);
        expect(parsed.data.limit).toBeGreaterThanOrEqual(1);
        expect(Object.keys(q)).not.toContain('colour');
      }),
      { numRuns: 500 },
    );
  });

  it('audit log: actions a comma list of action codes, order asc or desc, limit up to 500', () => {
    expect(auditLogQuerySchema.parse({}).order).toBe('asc');
    expect(auditLogQuerySchema.safeParse({ limit: '501' }).success).toBe(false);
    expect(auditLogQuerySchema.safeParse({ actions: 'a,,b' }).success).toBe(false);
    expect(auditLogQuerySchema.safeParse({ after_seq: '3' }).success).toBe(false);
    fc.assert(
      fc.property(query, (q) => {
        const parsed = auditLogQuerySchema.safeParse(q);
        if (!parsed.success) return;
        expect(['asc', 'desc']).toContain(parsed.data.order);
        for (const action of parsed.data.actions?.split(',') ?? [])
          expect(action).toMatch(/^[a-z0-9._-]{1,128}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('writes the CSV header after a UTF-8 byte-order mark, local times in Asia/Almaty', () => {
    expect(hitCsvHeader().startsWith(UTF8_BOM)).toBe(true);
    expect(Buffer.from(hitCsvHeader(), 'utf8').subarray(0, 3)).toEqual(
      Buffer.from([0xef, 0xbb, 0xbf]),
    );
    expect(localTime('2026-12-31T19:30:00.000Z')).toBe('2027-01-01 00:30:00');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2024-03-01'), max: new Date('2099-01-01'), noInvalidDate: true }),
        (at) => {
          const local = localTime(at.toISOString())!;
          const expected = new Date(at.getTime() + 5 * 3_600_000)
            .toISOString()
            .slice(0, 19)
            .replace('T', ' ');
          expect(local).toBe(expected);
        },
      ),
    );
  });
});
