import fc from 'fast-check';
import { cursorInstant, isUuid } from './cursor-parts';

describe('cursorInstant', () => {
  it('takes back every instant it could have been given', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          expect(cursorInstant(date.toISOString())?.getTime()).toBe(date.getTime());
        },
      ),
    );
  });

  it('refuses what PostgreSQL or the calendar would refuse', () => {
    for (const text of [
      '0000-01-01T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '2026-01-01T00:00:00.000+05:00',
      '2026-01-01',
      '',
    ])
      expect(cursorInstant(text)).toBeNull();
  });
});

describe('isUuid', () => {
  it('takes UUIDs and nothing shaped like one', () => {
    expect(isUuid('7c9e6679-7425-40de-944b-e07fc1f90ae7')).toBe(true);
    expect(isUuid('------------------------------------')).toBe(false);
    expect(isUuid('7c9e6679742540de944be07fc1f90ae7abcd')).toBe(false);
  });
});
