import { readFileSync } from 'node:fs';
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
  const page = await signInToConsole(browser, base, username, password, language);
  await liveFeed(page);
  return page;
}

/** A fresh browser context in `language`, signed in at `base` (whichever screen the user's
 * roles open: wait for it). */
export async function signInToConsole(
  browser: Browser,
  base: string,
  username: string,
  password: string,
  language: ConsoleLanguage,
): Promise<Page> {
  const context = await browser.newContext({ locale: language === 'en' ? 'en-US' : language });
  await context.addInitScript(`localStorage.setItem('kuzet.lang', ${JSON.stringify(language)})`);
  const page = await context.newPage();
  await page.goto(`${base}/console`);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login').click();
  return page;
}

/** Waits for the console's live feed to be up (its status, whatever the language). */
export async function liveFeed(page: Page): Promise<void> {
  await page.locator('[data-testid="feed-status"][data-state="live"]').waitFor({ timeout: 30_000 });
}

/** axe-core's rule violations on the page as it is now, serious or critical ones only (as
 * "rule: target, ..." lines, to read in a failure). */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  // evaluated over the DevTools protocol: the console's CSP rightly refuses inline scripts
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: () => Promise<{
            violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[];
          }>;
        };
      }
    ).axe;
    return (await axe.run()).violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.targets.join(', ')}`);
}
