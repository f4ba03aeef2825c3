import type { components } from '../generated/api-types';
import { all, request } from './staff-api';

type Schemas = components['schemas'];
export type DistrictHealth = Schemas['DistrictCameraHealth'];
export type OfflineCamera = Schemas['OfflineCamera'];
export type CentreAnalytics = Schemas['CentreAnalytics'];
export type Centre = Schemas['Centre'];

/** The analytics types a centre may turn off (registry ANALYTICS_SWITCH_TYPES). */
export const ANALYTICS_TYPES = [
  'illegal_dumping',
  'crowd',
  'loitering',
  'abandoned_object',
  'line_crossing',
  'intrusion',
  'other',
] as const;
export type AnalyticsType = (typeof ANALYTICS_TYPES)[number];

/** Camera health and the analytics switches (issue 19 item 6): the server scopes both to the
 * user's centres. */
export const healthApi = {
  districts: (): Promise<DistrictHealth[]> => all<DistrictHealth>('/v1/camera-health/districts'),
  offline: (): Promise<OfflineCamera[]> => all<OfflineCamera>('/v1/camera-health/offline'),
  centres: (): Promise<Centre[]> => all<Centre>('/v1/centres'),
  analytics: (centreId: string): Promise<CentreAnalytics> =>
    request('GET', `/v1/centres/${encodeURIComponent(centreId)}/analytics`),
  setAnalytics: (centreId: string, off: readonly AnalyticsType[]): Promise<CentreAnalytics> =>
    request('PUT', `/v1/centres/${encodeURIComponent(centreId)}/analytics`, { off }),
};
