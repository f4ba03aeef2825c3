import type { Alert } from './api';

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
      return alert.state === 'acknowledged' && alert.decidedBy === me;
    case 'escalated':
      return alert.state === 'escalated';
    case 'sos':
      return alert.kind === 'alarm';
  }
}

const byEventTime = (a: Alert, b: Alert): number =>
  b.capturedAt.localeCompare(a.capturedAt) || b.id.localeCompare(a.id);

/** The queue's rows: the store's order (newest change first), except the SOS queue, where
 * open alarms stay pinned on top, newest event first, whatever else changes. */
export function rowsOf(queue: Queue, alerts: readonly Alert[], me: string): Alert[] {
  const rows = alerts.filter((alert) => inQueue(queue, alert, me));
  if (queue !== 'sos') return rows;
  return [
    ...rows.filter(isOpen).sort(byEventTime),
    ...rows.filter((a) => !isOpen(a)).sort(byEventTime),
  ];
}
