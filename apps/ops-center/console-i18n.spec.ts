import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The console's message catalogs against its code: the same keys in every language, every
 * message valid ICU with the English one's arguments, every key the code asks for present,
 * and no text in a component's markup that does not come from a catalog. */

const WEB = join(__dirname, 'web/src');
const LOCALES = ['ru', 'kk', 'en'] as const;
const catalogs = Object.fromEntries(
  LOCALES.map((locale) => [
    locale,
    JSON.parse(readFileSync(join(WEB, 'locales', `${locale}.json`), 'utf8')) as Record<
      string,
      string
    >,
  ]),
) as Record<(typeof LOCALES)[number], Record<string, string>>;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sources(path);
    return /\.(ts|svelte)$/.test(entry.name) ? [path] : [];
  });
}
const files = sources(WEB).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/** The argument names a message uses ({name}, {count, plural, ...}), after checking its
 * braces balance (intl-messageformat parses it for real in the browser; it is ESM only). */
function argumentsOf(message: string): string[] {
  let depth = 0;
  for (const c of message) {
    depth += c === '{' ? 1 : c === '}' ? -1 : 0;
    if (depth < 0) throw new Error(`unbalanced braces in ${message}`);
  }
  if (depth !== 0) throw new Error(`unbalanced braces in ${message}`);
  return [
    ...new Set([...message.matchAll(/\{\s*([A-Za-z_]\w*)\s*[,}]/g)].map((m) => m[1]!)),
  ].sort();
}

/** `text` without its `{...}` expressions (nested braces and strings inside them included). */
function withoutExpressions(text: string): string {
  let out = '';
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (depth === 0) {
      if (c === '{') depth = 1;
      else out += c;
      continue;
    }
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
  }
  return out;
}

describe('console message catalogs', () => {
  it('have the same keys in Russian, Kazakh and English', () => {
    const english = Object.keys(catalogs.en).sort();
    for (const locale of LOCALES) expect(Object.keys(catalogs[locale]).sort()).toEqual(english);
  });

  it('hold messages with balanced braces and the same arguments as the English one', () => {
    for (const locale of LOCALES)
      for (const [key, message] of Object.entries(catalogs[locale]))
        expect([key, argumentsOf(message)]).toEqual([key, argumentsOf(catalogs.en[key]!)]);
  });

  it('have every key the code asks for', () => {
    const asked = files.flatMap(({ text }) =>
      [...text.matchAll(/\bt\(\s*'([^']+)'/g)].map((m) => m[1]!),
    );
    expect(asked.length).toBeGreaterThan(50);
    const prefixes = files.flatMap(({ text }) =>
      [...text.matchAll(/\bt\(\s*`([^`$]+)\$\{/g)].map((m) => m[1]!),
    );
    for (const locale of LOCALES) {
      expect(asked.filter((key) => !(key in catalogs[locale]))).toEqual([]);
      for (const prefix of prefixes)
        expect([prefix, Object.keys(catalogs[locale]).some((k) => k.startsWith(prefix))]).toEqual([
          prefix,
          true,
        ]);
    }
  });

  it('leave no text in the components that is not from a catalog', () => {
    const literal: string[] = [];
    for (const { path, text } of files.filter((f) => f.path.endsWith('.svelte'))) {
      const markup = withoutExpressions(
        text
          .replace(/<script[\s\S]*?<\/script>/g, '')
          .replace(/<style[\s\S]*?<\/style>/g, '')
          .replace(/<!--[\s\S]*?-->/g, ''),
      );
      // text between tags
      for (const m of markup.matchAll(/>([^<]*)</g))
        if (!/^[\s·—()\-:,.;≥]*$/.test(m[1]!)) literal.push(`${path}: ${m[1]!.trim()}`);
      // words people read in attributes
      for (const m of markup.matchAll(/\b(alt|placeholder|title|aria-label)="([^"]*)"/g))
        literal.push(`${path}: ${m[1]}="${m[2]}"`);
    }
    expect(literal).toEqual([]);
  });
});
