import { Browser, Page } from 'playwright-core';

/** A fresh browser context signed in to the console at `base`, once its feed is live. */
export async function openConsole(
  browser: Browser,
  base: string,
  username: string,
  password: string,
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/console`);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login').click();
  await page.getByTestId('feed-status').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
  return page;
}
