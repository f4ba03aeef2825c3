import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One camera event accepted by the HTTP ingest, remembered by event_id so that a retry is
 * answered the same way and not published twice. published_at is null while the event is
 * pending: recorded, but its publication to Kafka not yet confirmed. */
@Entity({ name: 'ingested_event' })
export class IngestedEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'camera_id', type: 'text' })
  cameraId!: string;

  @Column({ name: 'payload_sha256', type: 'bytea' })
  payloadSha256!: Buffer;

  @Column({ name: 'api_key_id', type: 'text' })
  apiKeyId!: string;

  @Column({ name: 'accepted_at', type: 'timestamptz' })
  acceptedAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
