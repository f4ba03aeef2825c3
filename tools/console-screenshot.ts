// Saves docs/console.png from a running kuzet (npm start): signs in as the demo operator,
// opens the newest watchlist hit and photographs the console.
//   node -r ./tools/register-ts.js tools/console-screenshot.ts [http://127.0.0.1:3000]
import { join } from 'node:path';
import { launchBrowser } from '../test/support/browser';

async function main(base: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 820 } });
    await page.goto(`${base}/console`);
    await page.getByTestId('username').fill('operator');
    await page.getByTestId('password').fill('kuzet-demo-operator');
    await page.getByTestId('login').click();
    await page.getByTestId('feed-status').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
    const hit = page.locator('[data-testid="alert-row"]', { hasText: 'HIT' }).first();
    await hit.waitFor({ timeout: 60_000 });
    await hit.click();
    await page.getByTestId('probe-face').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(__dirname, '../docs/console.png') });
  } finally {
    await browser.close();
  }
}

main(process.argv[2] ?? 'http://127.0.0.1:3000').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
