import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Who may scrape /metrics and read /health/ready's details: the holder of METRICS_TOKEN, or
 * without one a caller on this host. The figures carry no personal data, but consumer groups,
 * lag, broker errors and cameras per centre are a map of the system that the ingress (which
 * routes `/` to ops-center) must not hand to anyone. */
export function mayScrape(
  token: string | undefined,
  authorization: string | undefined,
  remoteAddress: string | undefined,
): boolean {
  if (token === undefined) return remoteAddress !== undefined && LOOPBACK.test(remoteAddress);
  const presented = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}

/** mayScrape for a request: the socket's address, never X-Forwarded-For, so a proxy on this
 * host cannot open it for the network. */
export function mayScrapeRequest(token: string | undefined, request: FastifyRequest): boolean {
  return mayScrape(token, request.headers.authorization, request.raw.socket.remoteAddress);
}
