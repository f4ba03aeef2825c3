import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import districts from '../../../../../libs/registry/src/geo/mangystau-districts.json';
import type { components } from '../generated/api-types';
import { session } from './feeds.svelte';
import { language, t } from './i18n.svelte';

export type MapCamera = components['schemas']['CameraMapCamera'];
export type CameraMapAnswer = components['schemas']['CameraMap'];

/** Tiles only where index.html names a tile server (data-map-tiles on <html>, e.g. an in-house
 * https://tiles.example/{z}/{x}/{y}.png); offline over the district outlines otherwise. */
const TILES = document.documentElement.dataset.mapTiles || '';

/** The region's extent. */
export const REGION: L.LatLngBoundsExpression = [
  [41.3, 50.2],
  [46.6, 56.0],
];

/** Leaflet puts a string tooltip in as HTML: names from the registry go in as text. */
export function text(label: string): HTMLElement {
  const span = document.createElement('span');
  span.textContent = label;
  return span;
}

/** A map in `box`: the view set by `view` first (vector layers are drawn for the view the map
 * has), then the tiles if any and the bundled outline of the region's districts (approximate:
 * drawn by hand from the districts in the registry, not surveyed borders). */
export function baseMap(box: HTMLElement, view: (map: L.Map) => void): L.Map {
  const map = L.map(box, { attributionControl: TILES !== '', zoomSnap: 0.5 });
  view(map);
  if (TILES) L.tileLayer(TILES, { maxZoom: 18 }).addTo(map);
  L.geoJSON(districts as GeoJSON.FeatureCollection, {
    style: { color: '#17324d', weight: 1.5, fillColor: '#cfe2ff', fillOpacity: 0.25 },
    onEachFeature: (feature, layer) =>
      layer.bindTooltip(text(String(feature.properties?.name ?? '')), { sticky: true }),
  }).addTo(map);
  return map;
}

export interface CameraLayerOptions {
  /** Drawn by the caller (the selected alert's camera): left out here, so never twice. */
  readonly highlighted?: string;
  /** Cameras outside their district's outline in their own colour (the administrator's map). */
  readonly flagOutside?: boolean;
  readonly onCamera?: (camera: MapCamera) => void;
  /** Each answer, once drawn. */
  readonly onDrawn?: (answer: CameraMapAnswer) => void;
}

/** The caller's cameras on `map` as GET /v1/camera-map gives them for the view: clusters with
 * counts (a click zooms to where they break up) and single cameras; asked again after every
 * move, the answer for an older view dropped. */
export function cameraLayer(
  map: L.Map,
  options: CameraLayerOptions = {},
): { refresh: () => void; remove: () => void } {
  const group = L.layerGroup().addTo(map);
  let asking: AbortController | null = null;

  async function refresh(): Promise<void> {
    asking?.abort();
    const mine = (asking = new AbortController());
    const bounds = map.getBounds();
    const query = new URLSearchParams({
      west: String(Math.max(-180, bounds.getWest())),
      south: String(Math.max(-90, bounds.getSouth())),
      east: String(Math.min(180, bounds.getEast())),
      north: String(Math.min(90, bounds.getNorth())),
      zoom: String(map.getZoom()),
    });
    let answer: CameraMapAnswer;
    try {
      const response = await fetch(`/v1/camera-map?${query}`, {
        headers: { authorization: `Bearer ${session.api.bearer}` },
        signal: mine.signal,
      });
      if (!response.ok) return;
      answer = (await response.json()) as CameraMapAnswer;
    } catch {
      return; // moved again (aborted), or the map API is not reachable from here
    }
    if (mine !== asking) return;
    draw(answer);
    options.onDrawn?.(answer);
  }

  function draw(answer: CameraMapAnswer): void {
    group.clearLayers();
    for (const cluster of answer.clusters) {
      const flagged = options.flagOutside === true && cluster.flagged > 0;
      const size = cluster.count < 100 ? 30 : cluster.count < 1000 ? 38 : 46;
      const marker = L.marker([cluster.latitude, cluster.longitude], {
        icon: L.divIcon({
          className: `map-cluster${flagged ? ' flagged' : ''}`,
          // as the label writes it: the label holds the text shown (WCAG 2.5.3)
          html: `<span>${new Intl.NumberFormat(language.current).format(cluster.count)}</span>`,
          iconSize: [size, size],
        }),
        title: flagged
          ? t('map.clusterFlagged', { count: cluster.count, flagged: cluster.flagged })
          : t('map.cluster', { count: cluster.count }),
        alt: '',
      }).on('click', () =>
        map.setView([cluster.latitude, cluster.longitude], cluster.expansion_zoom),
      );
      marker.addTo(group);
      const element = marker.getElement();
      element?.setAttribute('data-testid', 'map-cluster');
      element?.setAttribute('data-count', String(cluster.count));
      element?.setAttribute('aria-label', marker.options.title ?? '');
    }
    for (const camera of answer.cameras) {
      if (camera.id === options.highlighted) continue;
      const flagged = options.flagOutside === true && camera.outside_district;
      const marker = L.circleMarker([camera.latitude, camera.longitude], {
        radius: flagged ? 6 : 4,
        color: flagged ? '#b8440a' : '#495057',
        weight: flagged ? 2 : 1,
        fillColor: flagged ? '#ffa94d' : '#adb5bd',
        fillOpacity: 0.9,
      })
        .bindTooltip(text(camera.name || camera.id))
        .on('click', () => options.onCamera?.(camera));
      marker.addTo(group);
      const element = marker.getElement();
      element?.setAttribute('data-testid', 'map-camera');
      element?.setAttribute('data-camera-id', camera.id);
      if (flagged) element?.setAttribute('data-outside', 'true');
    }
  }

  const moved = () => void refresh();
  map.on('moveend', moved);
  void refresh();
  return {
    refresh: moved,
    remove: () => {
      asking?.abort();
      map.off('moveend', moved);
      group.remove();
    },
  };
}
