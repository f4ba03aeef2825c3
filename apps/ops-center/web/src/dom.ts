export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string | null)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null) element.append(child);
  return element;
}

export const time = (iso: string): string => new Date(iso).toLocaleString();
export const percent = (value: number | null): string => (value === null ? '—' : value.toFixed(3));

/** Puts `rows` into `list` in this order, moving only the rows that are out of place; every
 * row still in the list must be one of `rows`. */
export function placeRows(list: HTMLElement, rows: readonly Element[]): void {
  let next = list.firstElementChild;
  for (const row of rows) {
    if (row === next) next = row.nextElementSibling;
    else list.insertBefore(row, next);
  }
}

/** A hidden tab gets no animation frames; this still bounds what piles up meanwhile. */
const HIDDEN_RENDER_MS = 500;

/** Runs `render` once at the next animation frame however often it is asked to. */
export class NextFrame {
  private frame: number | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly render: () => void) {}

  request(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => this.now());
    this.timer = setTimeout(() => this.now(), HIDDEN_RENDER_MS);
  }

  /** Forgets the pending request: the caller renders now. */
  cancel(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    if (this.timer !== null) clearTimeout(this.timer);
    this.frame = this.timer = null;
  }

  private now(): void {
    this.cancel();
    this.render();
  }
}

/** The row kept in `rows` under `key`, built the first time it is asked for. */
export function rowOf<R>(rows: Map<string, R>, key: string, build: () => R): R {
  let row = rows.get(key);
  if (row === undefined) {
    row = build();
    rows.set(key, row);
  }
  return row;
}
