import { session } from './feeds.svelte';

/** Face crops shown as row thumbnails, fetched once per alert and tab (each fetch is on the
 * audit log, so a row only asks when it scrolls into view). */
const cache = new Map<string, Promise<string | null>>();

export function faceThumbnail(alertId: string): Promise<string | null> {
  let url = cache.get(alertId);
  if (!url) {
    url = session.api.image(`/v1/alerts/${alertId}/face-crop`);
    cache.set(alertId, url);
  }
  return url;
}

/** Calls `visible` once, the first time `node` scrolls into view. */
export function whenVisible(node: Element, visible: () => void): () => void {
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      visible();
    }
  });
  observer.observe(node);
  return () => observer.disconnect();
}
