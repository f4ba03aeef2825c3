import fc from 'fast-check';
import type { Alert } from './web/src/lib/api';
import { EPISODE_WINDOW_MS, EpisodeIds, episodeKey, episodesOf } from './web/src/lib/episodes';

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

const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
/** A face hit of person p at `minute`. */
const hit = (id: string, minute: number) =>
  ({ id, kind: 'watchlist_hit', person_id: 'p', camera_id: 'c', captured_at: at(minute) }) as Alert;

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

  it('keeps a card its identity while sightings join at the head and old ones leave the list', () => {
    // the live list: alerts arrive newest event last, the list keeps the newest `limit`
    fc.assert(
      fc.property(
        fc.uniqueArray(alertArb, { selector: (a) => a.id, minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 20 }),
        (arrivals, limit) => {
          const sorted = [...arrivals].sort((a, b) => a.captured_at.localeCompare(b.captured_at));
          const cards = new EpisodeIds();
          let before = new Map<string, string>();
          for (let n = 1; n <= sorted.length; n++) {
            const shown = episodesOf(sorted.slice(Math.max(0, n - limit), n), cards);
            const ids = shown.map((c) => c.id);
            expect(new Set(ids).size).toBe(ids.length);
            const now = new Map<string, string>();
            for (const card of shown) for (const a of card.alerts) now.set(a.id, card.id);
            // an alert still on a card whose other sightings were on one card stays on its id
            for (const card of shown) {
              const earlier = card.alerts.map((a) => before.get(a.id)).filter((id) => id);
              if (earlier.length > 0 && new Set(earlier).size === 1)
                expect(card.id).toBe(earlier[0]);
            }
            before = now;
          }
        },
      ),
    );
  });

  it('keeps a card its name when its oldest sighting leaves, and names a new episode anew', () => {
    const cards = new EpisodeIds();
    expect(episodesOf([hit('1', 0), hit('2', 1)], cards).map((c) => c.id)).toEqual(['1']);
    // 1 left the list, 3 joined: the same card
    expect(episodesOf([hit('3', 2), hit('2', 1)], cards).map((c) => c.id)).toEqual(['1']);
    // the same person after the window: a new card beside it
    expect(episodesOf([hit('3', 2), hit('2', 1), hit('4', 90)], cards).map((c) => c.id)).toEqual([
      '4',
      '1',
    ]);
  });
});
