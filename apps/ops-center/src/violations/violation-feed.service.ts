import { Injectable } from '@nestjs/common';
import { StaffPrincipal } from '@kuzet/auth';
import { AlertsGateway } from '../live/alerts.gateway';
import { CentreScopes } from '../scope/centre-scope';
import {
  ViolationFeedItem,
  violationFeedItem,
  ViolationFeedPage,
  ViolationFeedQuery,
} from './violation-feed.dto';
import { ViolationFeedRepository } from './violation-feed.repository';

/** The violations feed of the console: recent violations in the user's scope over REST, and
 * each newly logged one pushed live to the connected staff whose scope it is in. */
@Injectable()
export class ViolationFeedService {
  constructor(
    private readonly repository: ViolationFeedRepository,
    private readonly live: AlertsGateway,
    private readonly scopes: CentreScopes,
  ) {}

  async page(user: StaffPrincipal, query: ViolationFeedQuery): Promise<ViolationFeedPage> {
    const before = query.beforeLoggedAt
      ? { loggedAt: query.beforeLoggedAt, eventId: query.beforeEventId }
      : undefined;
    const records = await this.repository.page(this.scopes.of(user), query.limit, before);
    const last = records.length === query.limit ? records[records.length - 1] : undefined;
    return {
      violations: records.map(violationFeedItem),
      next: last
        ? { beforeLoggedAt: last.loggedAt.toISOString(), beforeEventId: last.eventId }
        : null,
    };
  }

  /** Routed like an alert: to the centre that owned the camera when it was logged and to
   * that centre's main centre; unrouted ones to supervisors. Returns how many got it. */
  async push(violation: ViolationFeedItem): Promise<number> {
    const route = await this.scopes.routeOfCentre(violation.centreId);
    return this.live.push({ type: 'violations', violations: [violation] }, (user) =>
      this.scopes.admits(user, route),
    );
  }
}
