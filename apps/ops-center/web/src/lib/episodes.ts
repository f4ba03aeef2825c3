import type { Alert } from './api';

/** Sightings of one person (face hits) or one car (vehicle hits) closer than this to the
 * sighting before them form one episode: one card, decided once. */
export const EPISODE_WINDOW_MS = 30 * 60_000;

const OPEN: readonly Alert['state'][] = ['new', 'acknowledged', 'escalated'];
export const isOpen = (alert: Alert): boolean => OPEN.includes(alert.state);

/** One card of the list: a single alert, or the sightings of one episode, newest first. */
export interface Episode {
  /** The card's identity while it is on screen: the id of the first sighting it was seen
   * with, kept as sightings join it and old ones drop off the list (see EpisodeIds). */
  readonly id: string;
  /** The newest sighting: the card shows it and opens it. */
  readonly head: Alert;
  readonly alerts: readonly Alert[];
  /** How many different cameras saw it. */
  readonly cameras: number;
}

/** Who or what an alert is about, when its sightings may group: the person of a face hit,
 * the plate of a vehicle hit; alarms and analytics stand alone. */
export function episodeKey(alert: Alert): string | null {
  if (alert.kind === 'watchlist_hit' && alert.person_id) return `person:${alert.person_id}`;
  if (alert.kind === 'vehicle_hit' && alert.message) return `plate:${alert.message}`;
  return null;
}

const descending = (a: string, b: string): number => (a < b ? 1 : a > b ? -1 : 0);

/** Newest event first, ties by id: an alert keeps its place when it is decided. (Plain string
 * order: ISO times and ids sort the same by code unit, and localeCompare is many times slower
 * on a list sorted at every update.) */
export const byEventTime = (a: Alert, b: Alert): number =>
  descending(a.captured_at, b.captured_at) || descending(a.id, b.id);

/**
 * Which card each alert was last on, so a card keeps its identity (and the console its DOM
 * node, thumbnail and place) while its episode grows at the head and loses sightings at the
 * tail to the list's limit. Without it the only stable names are alert ids, and at 50 alerts/s
 * every card would be rebuilt on every update.
 */
export class EpisodeIds {
  private cardOf = new Map<string, string>();

  /** The ids of `groups` (each newest first), remembered for the next call. */
  assign(groups: readonly (readonly Alert[])[]): string[] {
    const taken = new Set<string>();
    const next = new Map<string, string>();
    const ids = groups.map((alerts) => {
      let id: string | undefined;
      for (let i = alerts.length - 1; i >= 0 && id === undefined; i--) {
        const known = this.cardOf.get(alerts[i]!.id);
        if (known !== undefined && !taken.has(known)) id = known;
      }
      // a new card, or one that split: named by its oldest sighting, never twice
      id ??= alerts[alerts.length - 1]!.id;
      for (let n = 2; taken.has(id); n++) id = `${alerts[alerts.length - 1]!.id}#${n}`;
      taken.add(id);
      for (const alert of alerts) next.set(alert.id, id);
      return id;
    });
    this.cardOf = next;
    return ids;
  }
}

/** The rows (any order) as cards, newest event first: sightings of the same person or car
 * chain into one episode while each is within EPISODE_WINDOW_MS of the next newer one. Pass
 * the list's `EpisodeIds` to keep cards' identities from one update to the next. */
export function episodesOf(rows: readonly Alert[], cards = new EpisodeIds()): Episode[] {
  const sorted = [...rows].sort(byEventTime);
  const groups: Alert[][] = [];
  const lastOf = new Map<string, Alert[]>();
  for (const alert of sorted) {
    const key = episodeKey(alert);
    const group = key === null ? undefined : lastOf.get(key);
    const oldest = group?.[group.length - 1];
    if (
      group &&
      oldest &&
      Date.parse(oldest.captured_at) - Date.parse(alert.captured_at) <= EPISODE_WINDOW_MS
    ) {
      group.push(alert);
      continue;
    }
    const fresh = [alert];
    groups.push(fresh);
    if (key !== null) lastOf.set(key, fresh);
  }
  const ids = cards.assign(groups);
  return groups.map((alerts, i) => ({
    id: ids[i]!,
    head: alerts[0]!,
    alerts,
    cameras: new Set(alerts.map((a) => a.camera_id)).size,
  }));
}

/** The episode `id` belongs to among `alerts`, or the alert alone. */
export function episodeOf(id: string, alerts: readonly Alert[]): Episode | undefined {
  return episodesOf(alerts).find((episode) => episode.alerts.some((a) => a.id === id));
}

/** The colour of a list's category, for the chip beside its name. */
export function listColour(category: string | null): string {
  switch (category) {
    case 'wanted':
      return 'var(--list-wanted)';
    case 'missing':
      return 'var(--list-missing)';
    case 'stolen':
      return 'var(--list-stolen)';
    default:
      return 'var(--list-other)';
  }
}
