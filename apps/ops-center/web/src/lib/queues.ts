import type { Alert } from './api';
import { byEventTime, EpisodeIds, episodesOf, type Episode } from './episodes';

/** The operator's queues, as tabs. */
export const QUEUES = ['all', 'open', 'mine', 'escalated', 'sos'] as const;
export type Queue = (typeof QUEUES)[number];

const OPEN: readonly Alert['state'][] = ['new', 'acknowledged', 'escalated'];
const isOpen = (alert: Alert): boolean => OPEN.includes(alert.state);

/** Whether `alert` belongs in `queue` for the user `me`. */
export function inQueue(queue: Queue, alert: Alert, me: string): boolean {
  switch (queue) {
    case 'all':
      return true;
    case 'open':
      return isOpen(alert);
    case 'mine':
      // taken by me, or given to me by a supervisor
      return isOpen(alert) && alert.assignee === me;
    case 'escalated':
      return alert.state === 'escalated';
    case 'sos':
      return alert.kind === 'alarm';
  }
}

/** The queue's cards, newest event first (a decision does not move a card), sightings of one
 * person or car within the episode window as one card; in the SOS queue open alarms stay
 * pinned on top, newest first, whatever else changes. */
export function rowsOf(
  queue: Queue,
  alerts: readonly Alert[],
  me: string,
  cards?: EpisodeIds,
): Episode[] {
  const rows = alerts.filter((alert) => inQueue(queue, alert, me));
  if (queue !== 'sos') return episodesOf(rows, cards);
  return [
    ...rows.filter(isOpen).sort(byEventTime),
    ...rows.filter((a) => !isOpen(a)).sort(byEventTime),
  ].map((alert) => ({ id: alert.id, head: alert, alerts: [alert], cameras: 1 }));
}
