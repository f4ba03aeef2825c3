import { ViolationCode } from '../gen/kuzet/v1/camera_event_pb';
import { VIOLATION_CODES, violationCodeName } from './violation-codes';

describe('violation code names', () => {
  it('names every code of the proto enum, as the log has always stored them', () => {
    expect(VIOLATION_CODES).toEqual([
      'speeding',
      'red_light',
      'illegal_dumping',
      'no_seat_belt',
      'wrong_way_driving',
    ]);
    expect(violationCodeName(ViolationCode.WRONG_WAY_DRIVING)).toBe('wrong_way_driving');
  });

  it('has no name for UNSPECIFIED or a number the enum lacks', () => {
    expect(violationCodeName(ViolationCode.UNSPECIFIED)).toBeUndefined();
    expect(violationCodeName(99 as ViolationCode)).toBeUndefined();
  });
});
