import type { Alert } from './api';
import { h, NextFrame, percent, placeRows, rowOf, time } from './dom';

/** Rows shown, and alerts kept in memory: the newest by seq, as the server's first page. */
const LIST_LIMIT = 200;

const newestFirst = (a: Alert, b: Alert): number => b.seq - a.seq;

/** The alert list, newest seq first (a change gives an alert a new seq, so it rises to the
 * top). Each version of an alert is built into a row once; live changes are applied in one
 * DOM pass per animation frame however many messages brought them, and untouched rows stay
 * in place, so the cost of a message is that of the rows it changed. */
export class AlertList {
  private readonly alerts = new Map<string, Alert>();
  private readonly rows = new Map<string, HTMLLIElement>();
  /** Changed since the last render: their rows are rebuilt. */
  private readonly changed = new Set<string>();
  /** Came in live since the last render: their rows flash (see styles.css). */
  private readonly fresh = new Set<string>();
  private selected: string | null = null;
  private readonly nextFrame = new NextFrame(() => this.render());

  constructor(
    private readonly element: HTMLUListElement,
    onSelect: (id: string) => void,
  ) {
    element.addEventListener('click', (event) => {
      const row =
        event.target instanceof Element
          ? event.target.closest<HTMLElement>('[data-alert-id]')
          : null;
      const id = row?.dataset.alertId;
      if (id) onSelect(id);
    });
  }

  /** Takes the alerts newer than the list's version of them and schedules a render; returns
   * those the list did not have at all. */
  update(incoming: readonly Alert[], { live }: { live: boolean }): Alert[] {
    const unknown: Alert[] = [];
    for (const alert of incoming) {
      const known = this.alerts.get(alert.id);
      if (known && known.seq >= alert.seq) continue;
      if (!known) unknown.push(alert);
      this.alerts.set(alert.id, alert);
      this.changed.add(alert.id);
      if (live) this.fresh.add(alert.id);
      else this.fresh.delete(alert.id);
    }
    if (this.changed.size > 0) this.nextFrame.request();
    return unknown;
  }

  select(id: string | null): void {
    if (this.selected !== null) this.rows.get(this.selected)?.classList.remove('selected');
    this.selected = id;
    if (id !== null) this.rows.get(id)?.classList.add('selected');
  }

  /** Applies what changed now rather than at the next frame. */
  render(): void {
    this.nextFrame.cancel();
    if (this.changed.size === 0) return;

    const shown = [...this.alerts.values()].sort(newestFirst);
    for (const dropped of shown.splice(LIST_LIMIT)) {
      this.alerts.delete(dropped.id);
      this.discard(dropped.id);
    }
    for (const id of this.changed) this.discard(id);
    // every row left in the list is one of `shown`, in order: only new rows are inserted
    placeRows(
      this.element,
      shown.map((alert) => rowOf(this.rows, alert.id, () => this.build(alert))),
    );
    this.changed.clear();
    this.fresh.clear();
  }

  private discard(id: string): void {
    this.rows.get(id)?.remove();
    this.rows.delete(id);
  }

  private build(alert: Alert): HTMLLIElement {
    const classes = ['alert', alert.state];
    if (alert.isPriority) classes.push('priority');
    if (this.fresh.has(alert.id)) classes.push('fresh');
    if (alert.id === this.selected) classes.push('selected');
    return h(
      'li',
      {
        class: classes.join(' '),
        'data-testid': 'alert-row',
        'data-alert-id': alert.id,
        'data-state': alert.state,
      },
      h(
        'span',
        { class: 'kind' },
        alert.kind === 'alarm' ? 'SOS' : alert.kind === 'analytics' ? 'SCENE' : 'HIT',
      ),
      h('span', { class: 'camera' }, alert.cameraId),
      h(
        'span',
        { class: 'score' },
        alert.kind === 'alarm' || alert.kind === 'analytics'
          ? (alert.message ?? '')
          : `${percent(alert.similarity)} ≥ ${percent(alert.threshold)}`,
      ),
      h('span', { class: 'state' }, alert.state),
      h('time', {}, time(alert.capturedAt)),
    );
  }
}
