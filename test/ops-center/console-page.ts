import { Browser, Page } from 'playwright-core';

/** The console's languages (apps/ops-center/web/src/locales). */
export type ConsoleLanguage = 'ru' | 'kk' | 'en';

/** A fresh browser context signed in to the console at `base`, once its feed is live, in
 * `language` (remembered in localStorage as the language picker does; English unless told). */
export async function openConsole(
  browser: Browser,
  base: string,
  username: string,
  password: string,
  language: ConsoleLanguage = 'en',
): Promise<Page> {
  const context = await browser.newContext({ locale: language === 'en' ? 'en-US' : language });
  await context.addInitScript(`localStorage.setItem('kuzet.lang', ${JSON.stringify(language)})`);
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login').click();
  await liveFeed(page);
  return page;
}

/** Waits for the console's live feed to be up (its status, whatever the language). */
export async function liveFeed(page: Page): Promise<void> {
  await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 30_000 });
}
