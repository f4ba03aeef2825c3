import { session } from './feeds.svelte';

/** A place on the map with what its tooltip says. */
export type Point = { lat: number; lng: number; label: string };

/** Every camera the registry places, fetched once per tab (GET /v1/cameras, served by the
 * registry: where it is not reachable from here the map shows the alert's camera alone). */
let registry: Promise<Point[]> | null = null;
export function cameras(): Promise<Point[]> {
  registry ??= fetch('/v1/cameras?limit=500', {
    headers: { authorization: `Bearer ${session.api.bearer}` },
  })
    .then(async (answer) => {
      if (!answer.ok) return [];
      const body = (await answer.json()) as {
        items?: { id: string; name: string; latitude: number | null; longitude: number | null }[];
      };
      return (body.items ?? []).flatMap((c) =>
        c.latitude === null || c.longitude === null
          ? []
          : [{ lat: c.latitude, lng: c.longitude, label: c.name || c.id }],
      );
    })
    .catch(() => []);
  return registry;
}
