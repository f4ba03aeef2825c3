import type { components } from '../generated/api-types';
import type { Api } from './api';

// The watchlist administrator's routes (/v1/watchlists*, /v1/persons*, /v1/vehicle-lists*),
// typed from the generated OpenAPI types.

type Schemas = components['schemas'];
export type Watchlist = Schemas['Watchlist'];
export type Person = Schemas['WatchlistPerson'];
export type Enrolment = Schemas['Enrolment'];
export type PhotoCheck = Schemas['PhotoCheck'];
export type FaceBox = Schemas['FaceBox'];
export type LikelyDuplicate = Schemas['LikelyDuplicate'];
export type CreateWatchlist = Schemas['CreateWatchlistInput'];
export type UpdateWatchlist = Schemas['UpdateWatchlistInput'];
export type EnrolPerson = Schemas['EnrolPersonInput'];
export type ConfirmedHit = Schemas['ConfirmedHit'];
export type VehicleList = Schemas['VehicleList'];
export type UpdateVehicleList = Schemas['UpdateVehicleListInput'];
export type VehicleEntry = Schemas['VehicleListEntry'];
export type PhotoVerdict = PhotoCheck['verdict'];
interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

const query = (values: Record<string, string | number | undefined>): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
};

export class WatchlistApi {
  constructor(private readonly api: Api) {}

  lists(status?: 'active' | 'archived'): Promise<Page<Watchlist>> {
    return this.api.send('GET', `/v1/watchlists${query({ limit: 500, status })}`);
  }

  createList(body: CreateWatchlist): Promise<Watchlist> {
    return this.api.send('POST', '/v1/watchlists', body);
  }

  updateList(id: string, body: UpdateWatchlist): Promise<Watchlist> {
    return this.api.send('PATCH', `/v1/watchlists/${id}`, body);
  }

  archiveList(id: string, reason: string): Promise<Watchlist> {
    return this.api.send('POST', `/v1/watchlists/${id}/archive`, { reason });
  }

  persons(
    listId: string,
    filter: { name?: string; case_reference?: string; cursor?: string },
  ): Promise<Page<Person>> {
    return this.api.send(
      'GET',
      `/v1/watchlists/${listId}/persons${query({ limit: 50, ...filter })}`,
    );
  }

  person(id: string): Promise<Person> {
    return this.api.send('GET', `/v1/persons/${id}`);
  }

  updatePerson(id: string, body: Schemas['UpdatePersonInput']): Promise<Person> {
    return this.api.send('PATCH', `/v1/persons/${id}`, body);
  }

  removePerson(id: string, reason: string): Promise<Person> {
    return this.api.send('DELETE', `/v1/persons/${id}`, { reason });
  }

  checkPhoto(name: string, data: string): Promise<PhotoCheck> {
    return this.api.send('POST', '/v1/persons/photo-check', { name, data });
  }

  enrol(listId: string, body: EnrolPerson): Promise<Enrolment> {
    return this.api.send('POST', `/v1/watchlists/${listId}/persons`, body);
  }

  addPhotos(personId: string, photos: EnrolPerson['photos']): Promise<Enrolment> {
    return this.api.send('POST', `/v1/persons/${personId}/photos`, { photos });
  }

  removePhoto(personId: string, faceId: string): Promise<Person> {
    return this.api.send('DELETE', `/v1/persons/${personId}/faces/${faceId}`);
  }

  faceUrl(personId: string, faceId: string): Promise<string | null> {
    return this.api.image(`/v1/persons/${personId}/faces/${faceId}/thumbnail`);
  }

  confirmedHits(personId: string): Promise<Page<ConfirmedHit>> {
    return this.api.send('GET', `/v1/persons/${personId}/confirmed-hits?limit=20`);
  }

  confirmedHitCropUrl(personId: string, alertId: string): Promise<string | null> {
    return this.api.image(`/v1/persons/${personId}/confirmed-hits/${alertId}/crop`);
  }

  addProbe(personId: string, alertId: string): Promise<Enrolment> {
    return this.api.send('POST', `/v1/persons/${personId}/photos/from-hit`, { alert_id: alertId });
  }

  vehicleLists(): Promise<Page<VehicleList>> {
    return this.api.send('GET', '/v1/vehicle-lists?limit=500');
  }

  createVehicleList(body: {
    name: string;
    category: string;
    priority?: number;
    match_policy?: 'exact' | 'confusion' | 'edit';
  }): Promise<VehicleList> {
    return this.api.send('POST', '/v1/vehicle-lists', body);
  }

  updateVehicleList(id: string, body: UpdateVehicleList): Promise<VehicleList> {
    return this.api.send('PATCH', `/v1/vehicle-lists/${id}`, body);
  }

  archiveVehicleList(id: string, reason: string): Promise<VehicleList> {
    return this.api.send('POST', `/v1/vehicle-lists/${id}/archive`, { reason });
  }

  entries(listId: string, plate?: string): Promise<Page<VehicleEntry>> {
    return this.api.send(
      'GET',
      `/v1/vehicle-lists/${listId}/entries${query({ limit: 100, plate })}`,
    );
  }

  addEntry(
    listId: string,
    body: { plate: string; case_reference?: string; description?: string },
  ): Promise<{ entry: VehicleEntry; outcome: 'added' | 'changed' | 'unchanged' }> {
    return this.api.send('POST', `/v1/vehicle-lists/${listId}/entries`, body);
  }

  removeEntry(id: string): Promise<VehicleEntry> {
    return this.api.send('DELETE', `/v1/vehicle-list-entries/${id}`);
  }
}

/** A dropped file as the API takes it (standard base64, no data: prefix). */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
