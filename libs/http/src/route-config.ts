/** Route config (`@RouteConfig(...)`) keys the HTTP hardening of @kuzet/platform reads. */
export interface HardenedRouteConfig {
  /** The route takes large bodies (camera events, frames, photos): its content parser's own
   * limit applies, and a request that carries no credentials is refused before its body is
   * read. Other routes take HTTP_MAX_BODY_BYTES. */
  readonly largeBody?: true;
  /** The body is checked field by field by the event contract (which reports control
   * characters per event), not by the generic check here. */
  readonly contractBody?: true;
}
