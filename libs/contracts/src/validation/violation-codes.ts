import { ViolationCode } from '../gen/kuzet/v1/camera_event_pb';

/** A violation code as the log stores it and the APIs show it: the proto enum's name in lower
 * case (SPEEDING -> 'speeding', WRONG_WAY_DRIVING -> 'wrong_way_driving'). */
export type ViolationCodeName = Lowercase<Exclude<keyof typeof ViolationCode, 'UNSPECIFIED'>>;

/** Every code's name, in the enum's order: derived from the proto, so a code added there is
 * named here without another list to keep. */
export const VIOLATION_CODES = Object.keys(ViolationCode)
  .filter((key) => Number.isNaN(Number(key)) && key !== 'UNSPECIFIED')
  .map((key) => key.toLowerCase()) as [ViolationCodeName, ...ViolationCodeName[]];

/** The name of a known code; undefined for UNSPECIFIED and for numbers the enum lacks. */
export function violationCodeName(code: ViolationCode): ViolationCodeName | undefined {
  const name = (ViolationCode[code] as string | undefined)?.toLowerCase();
  return VIOLATION_CODES.find((known) => known === name);
}
