import { Injectable } from '@nestjs/common';
import { StaffPrincipal } from '@kuzet/auth';
import { decodeCursor, encodeCursor, RequestValidationException, isUuid } from '@kuzet/http';
import { AlertsGateway } from '../live/alerts.gateway';
import { CentreScopes } from '../scope/centre-scope';
import {
  ViolationFeedItem,
  violationFeedItem,
  ViolationFeedPage,
  ViolationFeedQuery,
} from './violation-feed.dto';
import { FeedCursor, ViolationFeedRepository } from './violation-feed.repository';

/** The (logged_at, event_id) a page's cursor holds, or the cursor's 400. */
function feedCursor(cursor: string): FeedCursor {
  const [at, eventId] = decodeCursor(cursor, 2);
  const loggedAt = typeof at === 'string' ? new Date(at) : null;
  if (
    loggedAt &&
    !Number.isNaN(loggedAt.getTime()) &&
    typeof eventId === 'string' &&
    isUuid(eventId)
  )
    return { loggedAt, eventId };
  throw new RequestValidationException([
    { field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor this API gave out' },
  ]);
}

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
    const records = await this.repository.page(
      this.scopes.of(user),
      query.limit + 1,
      query.cursor === undefined ? undefined : feedCursor(query.cursor),
    );
    const items = records.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(violationFeedItem),
      next_cursor:
        records.length > query.limit && last
          ? encodeCursor([last.loggedAt.toISOString(), last.eventId])
          : null,
    };
  }

  /** Routed like an alert: to the centre that owned the camera when it was logged and to
   * that centre's main centre; unrouted ones to supervisors. Returns how many got it. */
  async push(violation: ViolationFeedItem): Promise<number> {
    const route = await this.scopes.routeOfCentre(violation.centre_id);
    return this.live.push({ type: 'violations', violations: [violation] }, (user) =>
      this.scopes.admits(user, route),
    );
  }
}
