import type { Component } from 'svelte';
import type { StaffUser } from './api';
import type { MessageKey } from './i18n.svelte';

type Role = StaffUser['roles'][number];

/** One screen of the web app: who may open it and how it is loaded (each screen is its own
 * chunk, so an operator's browser never downloads the administrators' screens). */
export interface Screen {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly label: MessageKey;
  readonly load: () => Promise<{ default: Component<{ user: StaffUser }> }>;
}

/** Every screen, in the order the navigation shows them. A new screen is one entry here. */
export const SCREENS: readonly Screen[] = [
  {
    id: 'console',
    roles: ['operator', 'supervisor'],
    label: 'screen.console',
    load: () => import('../components/Console.svelte'),
  },
  {
    id: 'thresholds',
    roles: ['supervisor'],
    label: 'learning.screen',
    load: () => import('../components/ThresholdEvidence.svelte'),
  },
  {
    id: 'watchlists',
    roles: ['watchlist-admin'],
    label: 'watchlists.screen',
    load: () => import('../components/WatchlistAdmin.svelte'),
  },
  {
    id: 'audit',
    roles: ['auditor'],
    label: 'audit.screen',
    load: () => import('../components/Auditor.svelte'),
  },
  {
    id: 'system-admin',
    roles: ['system-admin'],
    label: 'admin.screen',
    load: () => import('../components/SystemAdmin.svelte'),
  },
  {
    id: 'report',
    roles: ['supervisor', 'auditor'],
    label: 'report.screen',
    load: () => import('../components/ReportScreen.svelte'),
  },
  {
    id: 'alert-search',
    roles: ['operator', 'supervisor'],
    label: 'overview.search.screen',
    load: () => import('../components/AlertSearch.svelte'),
  },
  {
    id: 'overview',
    roles: ['supervisor'],
    label: 'overview.screen',
    load: () => import('../components/Overview.svelte'),
  },
  {
    id: 'camera-health',
    roles: ['supervisor'],
    label: 'health.screen',
    load: () => import('../components/CameraHealth.svelte'),
  },
  {
    id: 'analytics',
    roles: ['supervisor', 'system-admin'],
    label: 'analyticsSwitch.screen',
    load: () => import('../components/AnalyticsSwitches.svelte'),
  },
];

export const screensFor = (user: StaffUser): Screen[] =>
  SCREENS.filter((screen) => screen.roles.some((role) => user.roles.includes(role)));

/** The screen named in the URL hash (#screen=…), if this user may open it, else their first. */
export function screenFromHash(user: StaffUser): Screen | undefined {
  const mine = screensFor(user);
  const wanted = new URLSearchParams(location.hash.slice(1)).get('screen');
  return mine.find((screen) => screen.id === wanted) ?? mine[0];
}

/** Sets some parameters of the URL hash and keeps the others (the screen, a selection). */
export function setHash(values: Record<string, string | null>): void {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const [key, value] of Object.entries(values)) {
    if (value === null) params.delete(key);
    else params.set(key, value);
  }
  history.replaceState(null, '', `#${params}`);
}
