/** Who pushed a request: the integrator behind a valid, unrevoked API key, and its scope. */
export interface IntegratorPrincipal {
  readonly keyId: string;
  readonly integratorId: string;
  readonly cameraIds: ReadonlySet<string>;
  readonly districtIds: ReadonlySet<string>;
  readonly rateLimitPerMinute: number | null;
  /** The key's devices may identify faces (smart badges); default deny. */
  readonly mayIdentify: boolean;
}

export function mayPushFor(
  principal: IntegratorPrincipal,
  camera: { readonly cameraId: string; readonly districtId: string },
): boolean {
  return principal.cameraIds.has(camera.cameraId) || principal.districtIds.has(camera.districtId);
}
