// C0 controls and DEL, but tab, line feed and carriage return, which free text may hold.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const MAX_VISITED = 100_000;

/** The path of the first string (or object key) that holds a control character, as
 * `a.b.0.c`; null when there is none. Walks at most MAX_VISITED values, so a body that is
 * bounded in size is bounded in time here too. */
export function findControlCharacter(value: unknown, prefix = ''): string | null {
  const stack: Array<[unknown, string]> = [[value, prefix]];
  let visited = 0;
  while (stack.length > 0 && visited++ < MAX_VISITED) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (FORBIDDEN.test(current)) return path || '$';
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => stack.push([item, join(path, String(index))]));
    } else if (current !== null && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        if (FORBIDDEN.test(key)) return join(path, key.replace(FORBIDDEN_GLOBAL, '?'));
        stack.push([item, join(path, key)]);
      }
    }
  }
  return null;
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN_GLOBAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
