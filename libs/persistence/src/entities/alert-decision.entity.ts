import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type DecisionAction = 'acknowledge' | 'confirm' | 'reject' | 'escalate';

/** Every step a person (or the escalation timer) took on an alert, attributed. */
@Entity({ name: 'alert_decision' })
export class AlertDecisionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index()
  @Column({ name: 'alert_id', type: 'uuid' })
  alertId!: string;

  @Column({ type: 'text' })
  action!: DecisionAction;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'user_id', type: 'text' })
  userId!: string;

  @Column({ type: 'text' })
  username!: string;

  @Column({ name: 'decided_at', type: 'timestamptz' })
  decidedAt!: Date;
}
