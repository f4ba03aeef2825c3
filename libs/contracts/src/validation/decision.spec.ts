import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { AlertKind, DecisionOutcome, type Decision } from '../gen/kuzet/v1/decision_pb';
import { sampleDecision } from '../testing/samples';
import { validateDecision } from './decision';
import { MINUTE, NOW, pairs } from './test-helpers';

function decision(mutate: (d: Decision) => void): Decision {
  const d = sampleDecision(NOW);
  mutate(d);
  return d;
}

describe('validateDecision', () => {
  it('accepts the sample', () => {
    expect(validateDecision(sampleDecision(NOW), NOW)).toEqual([]);
  });

  it.each<[string, () => Decision, string, string]>([
    ['decision_id not a UUID', () => decision((d) => (d.decisionId = '42')), 'decision_id', 'uuid'],
    ['missing alert_id', () => decision((d) => (d.alertId = '')), 'alert_id', 'required'],
    [
      'unspecified alert_kind',
      () => decision((d) => (d.alertKind = AlertKind.UNSPECIFIED)),
      'alert_kind',
      'required',
    ],
    [
      'unknown alert_kind',
      () => decision((d) => (d.alertKind = 5 as AlertKind)),
      'alert_kind',
      'enum',
    ],
    [
      'unspecified outcome',
      () => decision((d) => (d.outcome = DecisionOutcome.UNSPECIFIED)),
      'outcome',
      'required',
    ],
    [
      'unknown outcome',
      () => decision((d) => (d.outcome = 8 as DecisionOutcome)),
      'outcome',
      'enum',
    ],
    ['a rejection without a reason', () => decision((d) => (d.reason = '')), 'reason', 'required'],
    [
      'an escalation without a reason',
      () => decision((d) => ((d.outcome = DecisionOutcome.ESCALATE), (d.reason = ''))),
      'reason',
      'required',
    ],
    ['a long reason', () => decision((d) => (d.reason = 'r'.repeat(2001))), 'reason', 'length'],
    ['a reason with a NUL', () => decision((d) => (d.reason = 'a\u0000b')), 'reason', 'charset'],
    ['missing operator_id', () => decision((d) => (d.operatorId = '')), 'operator_id', 'required'],
    [
      'missing decided_at',
      () => decision((d) => (d.decidedAt = undefined)),
      'decided_at',
      'required',
    ],
    [
      'decided in the future',
      () => decision((d) => (d.decidedAt = timestampFromMs(NOW.getTime() + 10 * MINUTE))),
      'decided_at',
      'max_future_skew',
    ],
  ])('rejects %s', (_name, make, field, rule) => {
    expect(pairs(validateDecision(make(), NOW))).toContain(`${field}: ${rule}`);
  });

  it.each<[string, () => Decision]>([
    [
      'a confirmation without a reason',
      () => decision((d) => ((d.outcome = DecisionOutcome.CONFIRM), (d.reason = ''))),
    ],
    [
      'an escalation of an alarm',
      () =>
        decision((d) => ((d.outcome = DecisionOutcome.ESCALATE), (d.alertKind = AlertKind.ALARM))),
    ],
    [
      'a decision replayed a year later',
      () =>
        decision((d) => (d.decidedAt = timestampFromMs(NOW.getTime() - 365 * 24 * 60 * MINUTE))),
    ],
  ])('accepts %s', (_name, make) => {
    expect(pairs(validateDecision(make(), NOW))).toEqual([]);
  });
});
