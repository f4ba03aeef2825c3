import { Inject, Injectable } from '@nestjs/common';
import {
  CameraEvent,
  create,
  encodeVehicleHit,
  peekCameraEventPayload,
  timestampDate,
  timestampFromDate,
  VehicleDirection,
  VehicleHitSchema,
  VehicleMatchKind,
  VehicleType,
} from '@kuzet/contracts';
import { EVIDENCE_STORE, EvidenceStore } from '@kuzet/evidence';
import { createHash } from 'node:crypto';
import { KUZET_CONFIG, KuzetConfig } from '@kuzet/config';
import {
  CAMERA_EVENT_GROUPS,
  ConsumeTopic,
  InboundMessage,
  MESSAGE_BUS,
  MessageBus,
  TOPICS,
} from '@kuzet/messaging';
import { CameraEventGate } from '@kuzet/registry';
import { counter } from '@kuzet/observability';
import {
  MatchKind,
  normalisePlate,
  PlateIndex,
  PlateMatch,
  PlateReadRow,
  PlateReadStore,
} from '@kuzet/vehicles';
import { VehicleHitRepository, VehicleHitRow } from './vehicle-hit.repository';

const reads = counter({
  name: 'kuzet_matcher_plate_reads_total',
  help: 'Plate reads checked against the vehicle lists, by outcome',
  labelNames: ['outcome'] as const,
});

const storedReads = counter({
  name: 'kuzet_matcher_plate_reads_stored_total',
  help: 'Plate reads stored in plate_read, or why not (expired: older than the retention; future: dated beyond the partitions ahead; duplicate: a redelivery)',
  labelNames: ['outcome'] as const,
});

const KIND: Record<MatchKind, VehicleMatchKind> = {
  exact: VehicleMatchKind.EXACT,
  confusion: VehicleMatchKind.CONFUSION,
  edit: VehicleMatchKind.EDIT,
};

interface Read {
  readonly plate: string;
  readonly confidence: number;
  readonly characterConfidences: readonly number[];
  readonly country: string;
  readonly direction: VehicleDirection;
  readonly lane: number | null;
  readonly speedKmh: number | null;
  readonly vehicleType: string | null;
  readonly vehicleColour: string | null;
  readonly vehicleMake: string | null;
  readonly crop: Uint8Array | undefined;
  readonly overview: Uint8Array | undefined;
  readonly cropRef: string;
  readonly overviewRef: string;
}

/** A plate read, or the plate of a violation (which is a read too). */
function readOf(event: CameraEvent): Read | null {
  const p = event.payload;
  if (p.case === 'plateRead') {
    const r = p.value;
    return {
      plate: r.plate,
      confidence: r.confidence,
      characterConfidences: r.characterConfidences,
      country: r.country,
      direction: r.direction,
      lane: r.lane ?? null,
      speedKmh: r.speedKmh ?? null,
      vehicleType: r.vehicleType ? (VehicleType[r.vehicleType] ?? null) : null,
      vehicleColour: r.vehicleColour || null,
      vehicleMake: r.vehicleMake || null,
      crop: r.plateCropJpeg,
      overview: r.overviewJpeg,
      cropRef: r.plateCropRef,
      overviewRef: r.overviewRef,
    };
  }
  if (p.case === 'violation' && p.value.plate !== '') {
    return {
      plate: p.value.plate,
      confidence: 1,
      characterConfidences: [],
      country: '',
      direction: VehicleDirection.UNSPECIFIED,
      lane: null,
      speedKmh: null,
      vehicleType: null,
      vehicleColour: null,
      vehicleMake: null,
      crop: undefined,
      overview: undefined,
      cropRef: '',
      overviewRef: p.value.evidenceRef,
    };
  }
  return null;
}

/** The evidence id of one image of one read: a uuid derived from the event and the image
 * kind, so a redelivered read names the same evidence (the VehicleHitCard migration derived the
 * ids of earlier images the same way). */
export function vehicleEvidenceId(eventId: string, image: 'crop' | 'overview'): string {
  const hex = createHash('md5').update(`${eventId}.${image}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const PLATE_MATCHER_GROUP = CAMERA_EVENT_GROUPS.plates;

/** Every plate read stored (plate_read, in bulk, idempotent by read time and event_id) and
 * checked against every active vehicle list; a hit is logged (deduplicated per entry and
 * camera within the window) and then published for the operations centre. Invalid events are
 * the face matcher's to dead-letter: this group only skips them. */
@Injectable()
export class PlateReadConsumer {
  constructor(
    private readonly index: PlateIndex,
    private readonly hits: VehicleHitRepository,
    private readonly store: PlateReadStore,
    @Inject(KUZET_CONFIG) private readonly config: KuzetConfig,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly gate: CameraEventGate,
    @Inject(EVIDENCE_STORE) private readonly evidence: EvidenceStore,
  ) {}

  @ConsumeTopic({
    topic: TOPICS.cameraEvents,
    groupId: PLATE_MATCHER_GROUP,
    batchMethod: 'handleBatch',
    // a whole fetch (30,000 reads under load) outlasted the 30 s session timeout, and the group
    // then took the same batch again for minutes (measured on the intake bench, session 8)
    batchLimit: 2_000,
  })
  async handle(message: InboundMessage): Promise<void> {
    await this.handleBatch([message]);
  }

  async handleBatch(messages: readonly InboundMessage[]): Promise<void> {
    const plates = messages.filter((message) => {
      const payload = peekCameraEventPayload(message.value);
      return payload === 'plateRead' || payload === 'violation';
    });
    // the same rules as every group reading camera events, judged for the whole batch at once
    // (one registry look-up, two statements): refused ones are skipped here
    await this.ingest(await this.gate.admitMany(plates, CAMERA_EVENT_GROUPS.plates));
  }

  async check(event: CameraEvent): Promise<VehicleHitRow[]> {
    return this.ingest([event]);
  }

  /** Stores the reads first, then records and publishes their hits. Both are idempotent, so
   * a batch that fails half-way is simply taken again. */
  async ingest(events: readonly CameraEvent[]): Promise<VehicleHitRow[]> {
    const nowMs = Date.now();
    const rows: PlateReadRow[] = [];
    const matched: { event: CameraEvent; read: Read; plate: string; matches: PlateMatch[] }[] = [];
    for (const event of events) {
      const read = readOf(event);
      const plate = read ? normalisePlate(read.plate, read.country || null) : null;
      if (!read || !plate) continue;
      const confidences = read.characterConfidences.length
        ? plate.sourceIndex.map((i) => read.characterConfidences[i] ?? 0)
        : undefined;
      const matches = this.index.match({
        plate: plate.text,
        characterConfidences: confidences,
        nowMs,
      });
      reads.inc({ outcome: matches.length ? 'hit' : 'no_hit' });
      rows.push({
        readAt: event.capturedAt ? timestampDate(event.capturedAt) : new Date(nowMs),
        eventId: event.eventId,
        cameraId: event.cameraId,
        plateNormalised: plate.text,
        plateRead: read.plate,
        confidence: read.confidence,
        direction: read.direction,
      });
      if (matches.length) matched.push({ event, read, plate: plate.text, matches });
    }
    const result = await this.store.store(rows, new Date(nowMs));
    storedReads.inc({ outcome: 'stored' }, result.stored);
    storedReads.inc({ outcome: 'expired' }, result.expired);
    storedReads.inc({ outcome: 'future' }, result.future);
    storedReads.inc(
      { outcome: 'duplicate' },
      rows.length - result.stored - result.expired - result.future,
    );
    const recorded: VehicleHitRow[] = [];
    for (const m of matched)
      recorded.push(...(await this.recordHits(m.event, m.read, m.plate, m.matches)));
    return recorded;
  }

  private async recordHits(
    event: CameraEvent,
    read: Read,
    plateText: string,
    matches: readonly PlateMatch[],
  ): Promise<VehicleHitRow[]> {
    const capturedAt = event.capturedAt ? timestampDate(event.capturedAt) : new Date();
    const keepUntil = new Date(Date.now() + this.config.EVIDENCE_RETENTION_DAYS * 86_400_000);
    // images of listed cars are hit evidence (purged by the evidence retention, audited);
    // those of other cars are never stored
    const cropRef = read.crop?.length
      ? await this.evidence.put(
          vehicleEvidenceId(event.eventId, 'crop'),
          Buffer.from(read.crop),
          keepUntil,
        )
      : read.cropRef || null;
    const overviewRef = read.overview?.length
      ? await this.evidence.put(
          vehicleEvidenceId(event.eventId, 'overview'),
          Buffer.from(read.overview),
          keepUntil,
        )
      : read.overviewRef || null;
    const recorded: { row: VehicleHitRow; category: string; priority: number }[] = [];
    for (const match of matches) {
      const row = await this.hits.record(
        {
          eventId: event.eventId,
          cameraId: event.cameraId,
          entryId: match.entry.entryId,
          listId: match.entry.listId,
          plateRead: read.plate,
          plateNormalised: plateText,
          plateListed: match.entry.plate,
          matchKind: match.kind,
          position: match.position,
          confidence: read.confidence,
          direction: VehicleDirection[read.direction] ?? null,
          lane: read.lane,
          speedKmh: read.speedKmh,
          vehicleType: read.vehicleType,
          vehicleColour: read.vehicleColour,
          vehicleMake: read.vehicleMake,
          plateCropRef: cropRef,
          overviewRef,
          capturedAt,
        },
        this.config.MATCHER_DEDUP_WINDOW_MS,
      );
      recorded.push({ row, category: match.entry.category, priority: match.entry.priority });
    }
    // published after the match log is durable; a crash in between republishes on redelivery
    await this.bus.publish(
      TOPICS.vehicleHits,
      recorded.map(({ row, category, priority }) => ({
        key: row.cameraId,
        value: encodeVehicleHit(
          create(VehicleHitSchema, {
            hitId: row.id,
            eventId: row.eventId,
            cameraId: row.cameraId,
            plateRead: row.plateRead,
            plateNormalised: row.plateNormalised,
            plateListed: row.plateListed,
            entryId: row.entryId,
            listId: row.listId,
            matchKind: KIND[row.matchKind],
            position: row.position ?? undefined,
            confidence: row.confidence,
            category,
            priority,
            direction: read.direction,
            plateCropRef: row.plateCropRef ?? '',
            overviewRef: row.overviewRef ?? '',
            capturedAt: timestampFromDate(row.capturedAt),
            matchedAt: timestampFromDate(
              row.matchedAt < row.capturedAt ? row.capturedAt : row.matchedAt,
            ),
            sightingCount: row.sightingCount,
          }),
        ),
      })),
    );
    return recorded.map((r) => r.row);
  }
}
