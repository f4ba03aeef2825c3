import { ANALYTICS_TYPES } from './health-api';
import { t, type MessageKey } from './i18n.svelte';

/** An analytics alert's subject in the reader's language. The server sends data, not prose:
 * `crowd count=46 zone=square` (the type's name, or a device's own for types kuzet does not
 * know, then what it counted and where). Anything else is shown as it came. */
export function analyticsSubject(message: string | null): string {
  const match = /^(\S+)(?: count=(\d+))?(?: zone=(.+))?$/.exec(message ?? '');
  if (match === null) return message ?? '';
  const [, type, count, zone] = match;
  const known = (ANALYTICS_TYPES as readonly string[]).includes(type!) && type !== 'other';
  return [
    known ? t(`analyticsSwitch.type.${type}` as MessageKey) : type!,
    count !== undefined ? t('analytics.count', { count: Number(count) }) : null,
    zone !== undefined ? t('analytics.zone', { zone }) : null,
  ]
    .filter((part) => part !== null)
    .join(' · ');
}
