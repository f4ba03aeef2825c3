import type { Violation } from './api';
import { h, NextFrame, placeRows, rowOf, time } from './dom';

/** Rows shown, and violations kept in memory: the newest logged. */
const LIST_LIMIT = 100;

const newestFirst = (a: Violation, b: Violation): number =>
  b.loggedAt.localeCompare(a.loggedAt) || b.eventId.localeCompare(a.eventId);

const speed = (kmh: number | null): string => (kmh === null ? '?' : String(Math.round(kmh)));

/** The code in words: "Speeding 92/60 km/h", "Red light", ... */
export function describeViolation(
  v: Pick<Violation, 'code' | 'measuredSpeedKmh' | 'limitSpeedKmh'>,
): string {
  switch (v.code) {
    case 'speeding':
      return v.measuredSpeedKmh === null && v.limitSpeedKmh === null
        ? 'Speeding'
        : `Speeding ${speed(v.measuredSpeedKmh)}/${speed(v.limitSpeedKmh)} km/h`;
    case 'red_light':
      return 'Red light';
    case 'illegal_dumping':
      return 'Illegal dumping';
    case 'no_seat_belt':
      return 'No seat belt';
    case 'wrong_way_driving':
      return 'Wrong-way driving';
  }
}

/** The violations feed, newest logged first. A violation never changes once logged, so each
 * row is built once; whatever arrives (a live push, a page reloaded over REST, the same
 * violation twice) is merged by event id and applied in one DOM pass per animation frame. */
export class ViolationList {
  private readonly violations = new Map<string, Violation>();
  private readonly rows = new Map<string, HTMLLIElement>();
  private readonly added = new Set<string>();
  private readonly nextFrame = new NextFrame(() => this.render());

  constructor(private readonly element: HTMLUListElement) {}

  /** Takes the violations the list does not have yet and schedules a render. */
  update(incoming: readonly Violation[], { live }: { live: boolean }): void {
    for (const violation of incoming) {
      if (this.violations.has(violation.eventId)) continue;
      this.violations.set(violation.eventId, violation);
      if (live) this.added.add(violation.eventId);
      else this.added.delete(violation.eventId);
      this.nextFrame.request();
    }
  }

  /** Applies what arrived now rather than at the next frame. */
  render(): void {
    this.nextFrame.cancel();

    const shown = [...this.violations.values()].sort(newestFirst);
    for (const dropped of shown.splice(LIST_LIMIT)) {
      this.violations.delete(dropped.eventId);
      this.rows.get(dropped.eventId)?.remove();
      this.rows.delete(dropped.eventId);
    }
    placeRows(
      this.element,
      shown.map((v) => rowOf(this.rows, v.eventId, () => this.build(v))),
    );
    this.added.clear();
  }

  private build(v: Violation): HTMLLIElement {
    return h(
      'li',
      {
        class: this.added.has(v.eventId) ? 'violation fresh' : 'violation',
        'data-testid': 'violation-row',
        'data-event-id': v.eventId,
        'data-code': v.code,
      },
      h('time', { datetime: v.capturedAt }, time(v.capturedAt)),
      h('span', { class: 'code', 'data-testid': 'violation-code' }, describeViolation(v)),
      h('span', { class: 'plate', 'data-testid': 'violation-plate' }, v.plate || '—'),
      h('span', { class: 'camera' }, v.cameraId),
      h('span', { class: 'district' }, v.districtId ?? 'unrouted'),
    );
  }
}
