/**
 * The same journey in the Electron app, through Playwright's _electron. It needs the
 * Electron binary, which `npm ci` with ELECTRON_SKIP_BINARY_DOWNLOAD=1 (as here and in CI)
 * does not fetch, so it skips where the binary is missing and says so.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

const root = resolve(import.meta.dirname, '../..');

/** The Electron binary's path, or null when it was not downloaded. */
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();

test('the desktop app: train, watch, compare, export', async () => {
  test.skip(binary === null, 'the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1, no network to fetch it)');
  test.skip(!existsSync(join(root, 'out/main/index.js')), 'the app is not built: run npm run build');
  const home = mkdtempSync(join(tmpdir(), 'layerlab-electron-'));
  const app = await electron.launch({
    executablePath: binary!,
    args: [join(root, 'out/main/index.js')],
    env: { ...process.env, LAYERLAB_HOME: home },
  });
  try {
    const page = await app.firstWindow();
    // A fresh store opens on the welcome screen (welcome.spec.ts).
    await page.getByRole('button', { name: 'Skip to the runs table' }).click();
    await expect(page.getByText('No runs yet')).toBeVisible();
    // The renderer has no Node: only the bridge.
    expect(await page.evaluate('typeof require')).toBe('undefined');
    expect(await page.evaluate('typeof window.layerlab')).toBe('object');
    await page.getByRole('link', { name: 'New experiment' }).click();
    await page.getByRole('spinbutton', { name: 'Units of hidden layer 1' }).fill('3');
    await page.getByRole('button', { name: 'Train' }).click();
    await expect(page.locator('.status.completed')).toBeVisible({ timeout: 60_000 });
    await page.screenshot({ path: 'test-results/screenshots/electron-run.png' });
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
});
