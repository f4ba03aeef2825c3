import { IntlMessageFormat } from 'intl-messageformat';

/** The console's languages, Russian first (the default). */
export const LOCALES = ['ru', 'kk', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
/** Every key the console may ask for: a key missing from the English catalog fails the
 * typecheck, a catalog missing one of them fails console-i18n.spec.ts. */
export type MessageKey = keyof typeof import('../locales/en.json');
type Values = Record<string, string | number>;
type Catalog = Readonly<Record<string, string>>;

/** Each catalog is its own chunk: a browser downloads the one language it shows (the three
 * together were a third of the app's first download). */
const CATALOGS: Readonly<Record<Locale, () => Promise<Catalog>>> = {
  ru: () => import('../locales/ru.json').then((m) => m.default),
  kk: () => import('../locales/kk.json').then((m) => m.default),
  en: () => import('../locales/en.json').then((m) => m.default),
};
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
  /** Shown only once its catalog is loaded (`load`, before the app mounts). */
  current = $state<Locale>(remembered());
  private readonly compiled = new Map<string, IntlMessageFormat>();
  private readonly loaded = new Map<Locale, Catalog>();

  /** Fetches the catalog of `locale` once. */
  async load(locale: Locale): Promise<void> {
    if (!this.loaded.has(locale)) this.loaded.set(locale, await CATALOGS[locale]());
  }

  /** Switches (once its catalog is in) and remembers the language (per browser; per user
   * once signed in). */
  async set(locale: Locale, user?: string): Promise<void> {
    try {
      localStorage.setItem(LANG_KEY, locale);
      if (user) localStorage.setItem(`${LANG_KEY}.${user}`, locale);
    } catch {
      // not remembered, still switched
    }
    await this.load(locale);
    this.current = locale;
    document.documentElement.lang = locale;
  }

  /** The language this user chose last on this browser, if any. */
  restore(user: string): void {
    try {
      const saved = localStorage.getItem(`${LANG_KEY}.${user}`);
      if (isLocale(saved) && saved !== this.current) void this.set(saved);
    } catch {
      // storage disabled
    }
  }

  private catalog(): Catalog {
    return this.loaded.get(this.current) ?? {};
  }

  format(key: string, values?: Values): string {
    const locale = this.current;
    const cacheKey = `${locale}\u0000${key}`;
    let message = this.compiled.get(cacheKey);
    if (!message) {
      message = new IntlMessageFormat(this.catalog()[key] ?? key, locale);
      this.compiled.set(cacheKey, message);
    }
    return String(message.format(values));
  }

  has(key: string): boolean {
    return key in this.catalog();
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
