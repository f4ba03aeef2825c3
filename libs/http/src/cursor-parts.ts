const INSTANT = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UTC instant as paging cursors carry it (RFC 3339, `Z`, up to microseconds), when it is
 * a real one PostgreSQL can hold: years 1 to 9999, no month 13 or 30 February. Null
 * otherwise, so that a forged cursor is a 400 and not a database error. */
export function cursorInstant(text: string): Date | null {
  const match = INSTANT.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  if (year! < 1) return null;
  const date = new Date(0);
  date.setUTCFullYear(year!, month! - 1, day!);
  date.setUTCHours(hour!, minute!, second!);
  const roundTrip =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!roundTrip) return null;
  date.setUTCMilliseconds(Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3)));
  return date;
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
