import type { Alert } from './api';

/** Sightings of one person (face hits) or one car (vehicle hits) closer than this to the
 * sighting before them form one episode: one card, decided once. */
export const EPISODE_WINDOW_MS = 30 * 60_000;

const OPEN: readonly Alert['state'][] = ['new', 'acknowledged', 'escalated'];
export const isOpen = (alert: Alert): boolean => OPEN.includes(alert.state);

/** One card of the list: a single alert, or the sightings of one episode, newest first. */
export interface Episode {
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

/** Newest event first, ties by id: an alert keeps its place when it is decided. */
export const byEventTime = (a: Alert, b: Alert): number =>
  b.captured_at.localeCompare(a.captured_at) || b.id.localeCompare(a.id);

/** The rows (any order) as cards, newest event first: sightings of the same person or car
 * chain into one episode while each is within EPISODE_WINDOW_MS of the next newer one. */
export function episodesOf(rows: readonly Alert[]): Episode[] {
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
  return groups.map((alerts) => ({
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
