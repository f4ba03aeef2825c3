// Saves docs/console-vehicle-ru.png from a running demo (npm start): signs in as the demo
// operator (Russian, the default), waits for the demo's stolen car (512 KZD 12) and opens it:
// the vehicle card and the car's route on the map.
//   node -r ./tools/register-ts.js tools/console-screenshot.ts [http://127.0.0.1:3000]
import { join } from 'node:path';
import { launchBrowser } from '../test/support/browser';

async function main(base: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'ru-RU' });
    await page.goto(`${base}/console`);
    await page.getByTestId('username').fill('operator');
    await page.getByTestId('password').fill('kuzet-demo-operator');
    await page.getByTestId('login').click();
    await page
      .locator('[data-testid="feed-status"][data-state="live"]')
      .waitFor({ timeout: 30_000 });
    const car = page.locator('[data-testid="alert-row"]', { hasText: '512' }).first();
    await car.waitFor({ timeout: 180_000 });
    await car.click();
    await page.getByTestId('vehicle-card').waitFor({ timeout: 15_000 });
    await page.getByTestId('alert-map').waitFor({ timeout: 15_000 });
    await page.getByTestId('alert-map').scrollIntoViewIfNeeded();
    await page.waitForTimeout(1_500);
    await page.screenshot({ path: join(__dirname, '../docs/console-vehicle-ru.png') });
  } finally {
    await browser.close();
  }
}

main(process.argv[2] ?? 'http://127.0.0.1:3000').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
