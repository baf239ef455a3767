/**
 * The runs view's first rows come rendered in the page from `layerlab ui`
 * (src-main/ui-server/first-view.ts): a tab shows them before the app's code has run, the
 * app then takes over those same elements (hydration) rather than drawing them again,
 * and an address for another view opens that view. Screenshots go to
 * test-results/screenshots/first-view-*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, expect, test } from '@playwright/test';
import { RunStore } from '../../src-main/store';
import { planarConfig } from '../api/helpers';
import { type RunningUi, startUi } from './server';

const SHOTS = 'test-results/screenshots';
let ui: RunningUi;
let store: string;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  store = mkdtempSync(join(tmpdir(), 'layerlab-first-view-'));
  const runs = RunStore.open(store);
  // More than the first page (RUNS_FIRST_PAGE, 200), so the rest load behind it.
  for (let i = 0; i < 260; i++) {
    const config = planarConfig({ hidden: [1 + (i % 8)] });
    const id = runs.createRun({ name: `run ${i}`, config: JSON.stringify(config), tags: i === 259 ? ['newest'] : [] });
    runs.startRun(id);
    runs.appendMetrics(id, [{ step: 300, key: 'train_cost', value: 0.5 - i / 1000 }]);
    runs.finishRun(id, 'completed');
  }
  runs.close();
  ui = await startUi({ store });
});
test.afterAll(async () => {
  await ui?.stop();
  rmSync(store, { recursive: true, force: true });
});

/** A context holding the access token's cookie (and any others given), with scripts or without. */
async function contextWith(browser: Browser, javaScriptEnabled: boolean, cookies: Awaited<ReturnType<import('@playwright/test').BrowserContext['cookies']>> = []) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 800 } });
  await context.addCookies(cookies);
  return context;
}

test('a tab shows the runs before any script runs, and the app takes over those rows', async ({ browser }) => {
  // Without scripts: what the page's first paint has.
  const bare = await contextWith(browser, false);
  const still = await bare.newPage();
  await still.goto(ui.url);
  await expect(still.locator('.spacer .row').first().locator('.name')).toHaveText('run 259');
  await expect(still.locator('.count')).toHaveText('200 runs');
  expect(await still.locator('.spacer .row').count()).toBeGreaterThanOrEqual(20);
  await still.screenshot({ path: `${SHOTS}/first-view-without-scripts.png` });
  await bare.close();

  // With scripts: the first row element the parser made is the one the app then drives.
  const context = await contextWith(browser, true);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
  });
  // 'interactive': parsed, before the page's module scripts run.
  await page.addInitScript(`document.addEventListener('readystatechange', () => {
    if (document.readyState === 'interactive') window.parsedRow = document.querySelector('.spacer .row');
  })`);
  const tableRequests: unknown[] = [];
  page.on('websocket', (ws) =>
    ws.on('framesent', ({ payload }) => {
      const message = JSON.parse(String(payload)) as { method?: string; params?: unknown };
      if (message.method === 'runs.table') tableRequests.push(message.params);
    }),
  );
  await page.goto(ui.url);
  // The app has run and asked for the rest of the runs over its WebSocket.
  await expect(page.locator('.count')).toHaveText('260 runs');
  expect(await page.evaluate(`window.parsedRow != null && window.parsedRow.isConnected && window.parsedRow === document.querySelector('.spacer .row')`)).toBe(true);
  // The runs after the first page are asked for once, join, and the loading ends.
  await expect(page.locator('.count')).toHaveText('260 runs');
  await page.waitForTimeout(1000);
  expect(tableRequests).toEqual([{ offset: 200, limit: 2500 }]);
  await expect(page.locator('.count')).toHaveText('260 runs');
  // And it is live: selecting, sorting, opening.
  await page.getByRole('checkbox', { name: 'Select run 259' }).check();
  await expect(page.getByText('1 selected')).toBeVisible();
  await page.getByRole('button', { name: 'Train cost' }).click();
  await expect(page.locator('.spacer .row').first().locator('.name')).toHaveText('run 259');
  await page.getByRole('button', { name: 'Train cost' }).click();
  await expect(page.locator('.spacer .row').first().locator('.name')).toHaveText('run 0');
  await page.screenshot({ path: `${SHOTS}/first-view-hydrated.png` });
  await page.locator('.spacer .row').first().locator('.name').click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('run 0');
  expect(errors).toEqual([]);

  // The theme chosen is the theme the server renders in.
  await page.goto(`${ui.origin}/#/runs`);
  const toDark = page.getByRole('button', { name: 'Switch to dark theme' });
  await toDark.click();
  const dark = await contextWith(browser, false, await context.cookies());
  const darkPage = await dark.newPage();
  await darkPage.goto(`${ui.origin}/`);
  await expect(darkPage.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(darkPage.getByRole('button', { name: 'Switch to light theme' })).toBeVisible();
  await darkPage.screenshot({ path: `${SHOTS}/first-view-dark.png` });
  await dark.close();
  await context.close();
});

test('an address for another view opens that view, without the runs', async ({ browser }) => {
  const context = await contextWith(browser, true);
  const page = await context.newPage();
  await page.goto(ui.url);
  await expect(page.locator('.spacer .row').first()).toBeVisible();
  await page.goto(`${ui.origin}/#/sweeps`);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Sweeps' })).toBeVisible();
  await expect(page.locator('.spacer .row')).toHaveCount(0);
  await context.close();
});
