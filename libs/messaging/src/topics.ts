/** Topic names and configurations from DESIGN.md; each is versioned in its name so a
 * breaking contract change gets a new topic instead of confusing old consumers. */
export const TOPICS = Object.freeze({
  cameraEvents: 'kuzet.camera-events.v1',
  watchlistChanges: 'kuzet.watchlist-changes.v1',
  watchlistHits: 'kuzet.watchlist-hits.v1',
  violations: 'kuzet.violations.v1',
  deadLetter: 'kuzet.dead-letter.v1',
  vehicleListChanges: 'kuzet.vehicle-list-changes.v1',
  vehicleHits: 'kuzet.vehicle-hits.v1',
});

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export interface TopicSpec {
  readonly name: string;
  readonly partitions?: number;
  readonly config: Readonly<Record<string, string>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPIC_SPECS: readonly TopicSpec[] = Object.freeze<TopicSpec[]>([
  {
    name: TOPICS.cameraEvents,
    // frames may carry a JPEG up to the contract limit (4 MiB) plus envelope
    config: { 'retention.ms': String(7 * DAY_MS), 'max.message.bytes': String(5 * 1024 * 1024) },
  },
  {
    name: TOPICS.watchlistChanges,
    // compacted: the latest change per person is the state matchers rebuild from
    config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(60 * 60 * 1000) },
  },
  { name: TOPICS.watchlistHits, config: { 'retention.ms': String(30 * DAY_MS) } },
  { name: TOPICS.violations, config: { 'retention.ms': String(30 * DAY_MS) } },
  {
    name: TOPICS.vehicleListChanges,
    // compacted: the latest state per list entry is what matchers rebuild from
    config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': String(60 * 60 * 1000) },
  },
  { name: TOPICS.vehicleHits, config: { 'retention.ms': String(30 * DAY_MS) } },
  {
    name: TOPICS.deadLetter,
    config: { 'retention.ms': String(30 * DAY_MS), 'max.message.bytes': String(6 * 1024 * 1024) },
  },
]);

/** Headers the violation log puts on kuzet.violations.v1: the district and centre the camera
 * belonged to when the violation was logged, and when; consumers route by them. */
export const VIOLATION_HEADERS = Object.freeze({
  districtId: 'kuzet-district-id',
  centreId: 'kuzet-centre-id',
  loggedAt: 'kuzet-logged-at',
});
