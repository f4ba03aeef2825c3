import { IntlMessageFormat } from 'intl-messageformat';
import en from '../locales/en.json';
import kk from '../locales/kk.json';
import ru from '../locales/ru.json';

/** The console's languages, Russian first (the default). */
export const LOCALES = ['ru', 'kk', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
/** Every key the console may ask for: a key missing from the English catalog fails the
 * typecheck, a catalog missing one of them fails console-i18n.spec.ts. */
export type MessageKey = keyof typeof en;
type Values = Record<string, string | number>;

export const CATALOGS: Readonly<Record<Locale, Readonly<Record<string, string>>>> = { ru, kk, en };
const LANG_KEY = 'kuzet.lang';

const isLocale = (value: unknown): value is Locale => LOCALES.includes(value as Locale);

function remembered(): Locale {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // storage disabled: the default
  }
  return 'ru';
}

class Language {
  current = $state<Locale>(remembered());
  private readonly compiled = new Map<string, IntlMessageFormat>();

  /** Switches and remembers the language (per browser; per user once signed in). */
  set(locale: Locale, user?: string): void {
    this.current = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(LANG_KEY, locale);
      if (user) localStorage.setItem(`${LANG_KEY}.${user}`, locale);
    } catch {
      // not remembered, still switched
    }
  }

  /** The language this user chose last on this browser, if any. */
  restore(user: string): void {
    try {
      const saved = localStorage.getItem(`${LANG_KEY}.${user}`);
      if (isLocale(saved) && saved !== this.current) this.set(saved);
    } catch {
      // storage disabled
    }
  }

  format(key: string, values?: Values): string {
    const locale = this.current;
    const cacheKey = `${locale}\u0000${key}`;
    let message = this.compiled.get(cacheKey);
    if (!message) {
      message = new IntlMessageFormat(CATALOGS[locale][key] ?? key, locale);
      this.compiled.set(cacheKey, message);
    }
    return String(message.format(values));
  }

  has(key: string): boolean {
    return key in CATALOGS[this.current];
  }
}

export const language = new Language();
document.documentElement.lang = language.current;

/** The message `key` in the current language (reactive: a template using it follows a
 * change of language). */
export const t = (key: MessageKey, values?: Values): string => language.format(key, values);

/** A server's field error in words: the rule for this field if the catalog has one, the
 * rule in general if not, the server's English message as the last resort. */
export function fieldError(error: {
  field: string;
  rule: string;
  message: string;
  params?: Readonly<Record<string, unknown>>;
}): string {
  const values: Values = {};
  for (const [name, value] of Object.entries(error.params ?? {}))
    if (typeof value === 'string' || typeof value === 'number') values[name] = value;
  const field = language.has(`field.${error.field}`)
    ? language.format(`field.${error.field}`)
    : error.field;
  const rule = [`rule.${error.field}.${error.rule}`, `rule.${error.rule}`].find((key) =>
    language.has(key),
  );
  return t('error.field', { field, rule: rule ? language.format(rule, values) : error.message });
}
