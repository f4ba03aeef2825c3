import fc from 'fast-check';
import type { Alert } from './web/src/lib/api';
import { EPISODE_WINDOW_MS, episodeKey, episodesOf } from './web/src/lib/episodes';

/** The console's episodes (web/src/lib/episodes.ts): every alert on exactly one card, a card
 * holds one person's or one car's sightings each within the window of the next newer one, and
 * the cards and their sightings are newest event first. */
const T0 = Date.parse('2026-12-05T00:00:00Z');
const alertArb = fc
  .record({
    id: fc.uuid(),
    kind: fc.constantFrom('watchlist_hit', 'vehicle_hit', 'alarm', 'analytics'),
    who: fc.constantFrom('a', 'b', 'c'),
    minute: fc.integer({ min: 0, max: 240 }),
    camera: fc.constantFrom('cam-1', 'cam-2', 'cam-3'),
  })
  .map(
    ({ id, kind, who, minute, camera }) =>
      ({
        id,
        kind,
        person_id: kind === 'watchlist_hit' ? who : null,
        message: kind === 'vehicle_hit' ? `PLATE-${who}` : null,
        camera_id: camera,
        captured_at: new Date(T0 + minute * 60_000).toISOString(),
        state: 'new',
        seq: 1,
      }) as unknown as Alert,
  );

describe('console episodes', () => {
  it('put every alert on one card, group only one person or car within the window, newest first', () => {
    fc.assert(
      fc.property(fc.uniqueArray(alertArb, { selector: (a) => a.id, maxLength: 40 }), (alerts) => {
        const cards = episodesOf(alerts);
        const ids = cards.flatMap((c) => c.alerts.map((a) => a.id));
        expect(ids.sort()).toEqual(alerts.map((a) => a.id).sort());
        for (const card of cards) {
          expect(card.head).toBe(card.alerts[0]);
          expect(card.cameras).toBe(new Set(card.alerts.map((a) => a.camera_id)).size);
          if (card.alerts.length > 1) {
            const key = episodeKey(card.head);
            expect(key).not.toBeNull();
            for (let i = 1; i < card.alerts.length; i++) {
              expect(episodeKey(card.alerts[i]!)).toBe(key);
              const gap =
                Date.parse(card.alerts[i - 1]!.captured_at) -
                Date.parse(card.alerts[i]!.captured_at);
              expect(gap).toBeGreaterThanOrEqual(0);
              expect(gap).toBeLessThanOrEqual(EPISODE_WINDOW_MS);
            }
          }
        }
        const heads = cards.map((c) => c.head.captured_at);
        expect([...heads].sort().reverse()).toEqual(heads);
      }),
    );
  });

  it('keeps alarms and detections alone, and splits a person seen again after the window', () => {
    const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
    const hit = (id: string, minute: number) =>
      ({
        id,
        kind: 'watchlist_hit',
        person_id: 'p',
        camera_id: 'c',
        captured_at: at(minute),
      }) as Alert;
    const cards = episodesOf([hit('1', 0), hit('2', 20), hit('3', 45), hit('4', 100)]);
    expect(cards.map((c) => c.alerts.map((a) => a.id))).toEqual([['4'], ['3', '2', '1']]);
    const alarm = (id: string) =>
      ({
        id,
        kind: 'alarm',
        person_id: null,
        message: 'SOS',
        camera_id: 'c',
        captured_at: at(1),
      }) as Alert;
    expect(episodesOf([alarm('a'), alarm('b')])).toHaveLength(2);
  });
});
