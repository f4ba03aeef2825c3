const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

type Frame =
  | { readonly kind: 'object'; readonly keys: Set<string>; key: string; expectKey: boolean }
  | { readonly kind: 'array'; index: number };

export interface DuplicateJsonKey {
  /** Where the key is: `violation.plate`, `events[0].eventId`. */
  readonly path: string;
  readonly key: string;
}

/** The first key that appears twice in one object of a JSON text, or null. JSON.parse keeps
 * the last value silently; a contract body with two values for one field is refused instead.
 * One pass over text that JSON.parse has already accepted. */
export function findDuplicateJsonKey(text: string): DuplicateJsonKey | null {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      while (end < text.length) {
        const d = text.charCodeAt(end);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          escaped = true;
          end++;
        }
        end++;
      }
      const top = stack[stack.length - 1];
      if (top?.kind === 'object' && top.expectKey) {
        const raw = text.slice(i + 1, end);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) return { path: pathOf(stack, key), key };
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      stack.push({ kind: 'object', keys: new Set(), key: '', expectKey: true });
    } else if (c === OPEN_ARRAY) {
      stack.push({ kind: 'array', index: 0 });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
    } else if (c === COMMA) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') top.expectKey = true;
      else if (top?.kind === 'array') top.index++;
    }
  }
  return null;
}

function pathOf(stack: readonly Frame[], key: string): string {
  let path = '';
  stack.forEach((frame, depth) => {
    if (frame.kind === 'array') path += `[${frame.index}]`;
    else path = join(path, depth === stack.length - 1 ? key : frame.key);
  });
  return path;
}

function join(path: string, key: string): string {
  const segment = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : JSON.stringify(key);
  return path === '' ? segment : `${path}.${segment}`;
}
