/** The centre's time zone: every time is shown in it, 24-hour, whatever the browser's own
 * zone. index.html may set another (data-time-zone on <html>). */
export const TIME_ZONE = document.documentElement.dataset.timeZone || 'Asia/Almaty';

const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, withZone: boolean): Intl.DateTimeFormat {
  const key = `${locale}/${withZone}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      timeZone: TIME_ZONE,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      ...(withZone ? { timeZoneName: 'shortOffset' } : {}),
    });
    formats.set(key, format);
  }
  return format;
}

/** A time in the centre's zone; `withZone` adds the offset (GMT+5) where it could be read as
 * another zone's. */
export const time = (iso: string, locale: string, withZone = false): string =>
  formatter(locale, withZone).format(new Date(iso));

/** The zone as the header shows it: "Asia/Almaty (GMT+5)". */
export function zoneLabel(locale: string): string {
  const offset = new Intl.DateTimeFormat(locale, {
    timeZone: TIME_ZONE,
    timeZoneName: 'shortOffset',
  })
    .formatToParts(new Date())
    .find((part) => part.type === 'timeZoneName')?.value;
  return offset ? `${TIME_ZONE} (${offset})` : TIME_ZONE;
}

export const score = (value: number | null): string => (value === null ? '—' : value.toFixed(3));
