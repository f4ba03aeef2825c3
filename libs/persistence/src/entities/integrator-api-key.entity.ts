import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An integrator's API key. Only the SHA-256 of the secret is kept; the key id is the public
 * part of the key and is how a presented key is found. The scope lists the cameras, and the
 * districts whose cameras, the key may push events for. */
@Entity({ name: 'integrator_api_key' })
export class IntegratorApiKeyEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'integrator_id', type: 'text' })
  integratorId!: string;

  @Column({ type: 'text' })
  label!: string;

  @Column({ name: 'secret_sha256', type: 'bytea' })
  secretSha256!: Buffer;

  /** H(key id:realm:key) for HTTP Digest (RFC 7616): SHA-256 only for a key issued with
   * `digest: true`, MD5 only with `digest_md5: true` (old firmware); null otherwise, and then
   * Digest is refused for the key (a password-equivalent is kept only where it is needed). */
  @Column({ name: 'digest_ha1_md5', type: 'bytea', nullable: true })
  digestHa1Md5!: Buffer | null;

  @Column({ name: 'digest_ha1_sha256', type: 'bytea', nullable: true })
  digestHa1Sha256!: Buffer | null;

  @Column({ name: 'camera_ids', type: 'text', array: true })
  cameraIds!: string[];

  @Column({ name: 'district_ids', type: 'text', array: true })
  districtIds!: string[];

  /** The key's devices may ask POST /v1/devices/identify (smart badges); false by default. */
  @Column({ name: 'may_identify', type: 'boolean', default: false })
  mayIdentify!: boolean;

  @Column({ name: 'rate_limit_per_minute', type: 'integer', nullable: true })
  rateLimitPerMinute!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
