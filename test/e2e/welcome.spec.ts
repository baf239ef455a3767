/**
 * The first launch, in Debian's Chromium against `layerlab ui` on an empty store: the
 * welcome screen opens, a ready experiment fills the new-experiment form (as a sweep) and
 * launches, and the settings say where the store is and how to choose another in a browser.
 * Screenshots of the welcome and settings screens, light and dark, go to
 * test-results/screenshots/.
 */
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { type RunningUi, startUi } from './server';

const SHOTS = 'test-results/screenshots';

test.beforeAll(() => {
  mkdirSync(SHOTS, { recursive: true });
});

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

async function shotBothThemes(page: Page, name: string) {
  for (const theme of ['light', 'dark'] as const) {
    const toggle = page.getByRole('button', { name: `Switch to ${theme} theme` });
    if (await toggle.isVisible()) await toggle.click();
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    // Let the dataset thumbnails draw.
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${SHOTS}/${name}-${theme}.png` });
  }
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
}

test.describe('first launch', () => {
  let ui: RunningUi;
  test.beforeAll(async () => {
    ui = await startUi();
  });
  test.afterAll(async () => {
    await ui?.stop();
  });

  test('welcome → Moons example → the form is filled → the sweep runs', async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(ui.url);
    await expect(page.getByRole('heading', { name: 'Welcome to Layerlab' })).toBeVisible();
    expect(page.url()).toContain('#/welcome');
    await expect(page.getByRole('heading', { level: 2 })).toHaveText([
      'Planar flower: hidden-layer sizes',
      'Circles: initialization matters',
      'Moons: GD vs momentum vs Adam',
    ]);
    await expect(page.getByText(ui.store)).toBeVisible();
    await shotBothThemes(page, 'welcome');

    // Keyboard: Tab reaches the cards' buttons, and Enter opens the form.
    const moons = page.getByRole('button', { name: 'Open “Moons: GD vs momentum vs Adam” in the form' });
    await moons.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'New experiment' })).toBeVisible();

    // The course's optimization assignment: [2, 5, 2, 1] ReLU on moons, mini-batches of 64,
    // lr 0.0007, 5000 epochs, swept over the optimizer.
    await expect(page.getByRole('combobox', { name: 'Generator', exact: true })).toHaveValue('moons');
    await expect(page.getByRole('spinbutton', { name: 'Examples' })).toHaveValue('300');
    await expect(page.getByRole('spinbutton', { name: 'Units of hidden layer 1' })).toHaveValue('5');
    await expect(page.getByRole('spinbutton', { name: 'Units of hidden layer 2' })).toHaveValue('2');
    await expect(page.getByRole('combobox', { name: 'Activation of hidden layer 1' })).toHaveValue('relu');
    await expect(page.getByRole('spinbutton', { name: 'Learning rate' })).toHaveValue('0.0007');
    await expect(page.getByRole('spinbutton', { name: 'Epochs' })).toHaveValue('5000');
    await expect(page.getByRole('spinbutton', { name: 'Batch size' })).toHaveValue('64');
    const optimizers = page.getByRole('group', { name: 'Optimizer values to sweep' });
    for (const name of ['gradient descent', 'momentum', 'Adam']) await expect(optimizers.getByRole('checkbox', { name })).toBeChecked();
    await expect(optimizers.getByRole('checkbox', { name: 'RMSprop' })).not.toBeChecked();
    await expect(page.getByRole('combobox', { name: 'Initialization', exact: true })).toHaveValue('he');
    await expect(page.getByText('drawn with NumPy\'s random streams')).toBeVisible();
    await expect(page.locator('.trials')).toHaveText('3 trials');
    await expect(page.getByRole('textbox', { name: /Name/ })).toHaveValue('Moons: GD vs momentum vs Adam');
    await page.screenshot({ path: `${SHOTS}/welcome-moons-form.png` });

    await page.getByRole('button', { name: 'Launch sweep (3 trials)' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Moons: GD vs momentum vs Adam');
    await expect(page.getByText('3 of 3 trials done')).toBeVisible({ timeout: 90_000 });

    // The store has runs now: the next start opens on the runs table.
    await page.goto(ui.origin + '/');
    await expect(page.getByRole('grid')).toBeVisible();
    await expect(page.getByRole('gridcell', { name: /optimizer="adam"/ }).first()).toBeVisible();
    await page.waitForTimeout(300);
    expect(page.url()).not.toContain('#/welcome');
    expect(errors).toEqual([]);
  });

  test('the other two examples fill the form with their sweeps', async ({ page }) => {
    // A new page: the token (traded for a cookie) first.
    await page.goto(ui.url);
    await page.getByRole('banner').getByRole('link', { name: 'Examples' }).click();
    await page.getByRole('button', { name: 'Open “Planar flower: hidden-layer sizes” in the form' }).click();
    await expect(page.getByLabel('Units of hidden layer 1 to sweep')).toHaveValue('1, 2, 3, 4, 5, 20, 50');
    await expect(page.getByRole('spinbutton', { name: 'Iterations', exact: true })).toHaveValue('10000');
    await expect(page.getByRole('spinbutton', { name: 'Learning rate' })).toHaveValue('1.2');
    await expect(page.getByRole('spinbutton', { name: 'Scale (normal)' })).toHaveValue('0.01');
    await expect(page.locator('.trials')).toHaveText('7 trials');

    await page.getByRole('banner').getByRole('link', { name: 'Examples' }).click();
    await page.getByRole('button', { name: 'Open “Circles: initialization matters” in the form' }).click();
    const inits = page.getByRole('group', { name: 'Initialization values to sweep' });
    for (const name of ['zeros', 'normal × scale', 'he']) await expect(inits.getByRole('checkbox', { name })).toBeChecked();
    await expect(inits.getByRole('checkbox', { name: 'xavier' })).not.toBeChecked();
    await expect(page.getByRole('spinbutton', { name: 'Scale (normal)' })).toHaveValue('10');
    await expect(page.getByRole('spinbutton', { name: 'Units of hidden layer 1' })).toHaveValue('10');
    await expect(page.getByRole('spinbutton', { name: 'Units of hidden layer 2' })).toHaveValue('5');
    await expect(page.locator('.trials')).toHaveText('3 trials');
  });

  test('settings show the store and explain how to choose another in a browser', async ({ page }) => {
    await page.goto(ui.url);
    await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
    await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
    await expect(page.locator('.path code')).toHaveText(ui.store);
    await expect(page.getByText('given with --store when layerlab ui started')).toBeVisible();
    await expect(page.getByText('a web page cannot choose folders')).toBeVisible();
    await expect(page.getByRole('button', { name: /Choose another store/ })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Open store folder' })).toHaveCount(0);
    await shotBothThemes(page, 'settings');
  });
});

test('the desktop variant of Settings: choose, go back to the default, open the folder', async ({ page }) => {
  // The Electron binary is absent here, so the page runs in Chromium with its WebSocket
  // answered as the desktop app's IPC would answer: server.info says "ipc", settings.get
  // says the store can be chosen and shown, and the choose/reveal calls are recorded.
  const ui = await startUi();
  const calls: { method: string; params: unknown }[] = [];
  let storeDir = '/home/me/.local/share/layerlab';
  const desktop = () => ({
    storeDir,
    storeSource: storeDir === '/home/me/.local/share/layerlab' ? 'default' : 'chosen',
    defaultStoreDir: '/home/me/.local/share/layerlab',
    canChooseStore: true,
    canRevealStore: true,
    storeWarning: null,
    welcomeDismissed: false,
    hasRuns: false,
  });
  await page.routeWebSocket(/\/api$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((text) => {
      const request = JSON.parse(String(text)) as { id: number; method: string; params: unknown };
      const answer = (result: unknown) => ws.send(JSON.stringify({ id: request.id, ok: true, result }));
      if (request.method === 'settings.get') return answer(desktop());
      if (request.method === 'settings.chooseStore') {
        calls.push(request);
        storeDir = (request.params as { useDefault?: boolean }).useDefault ? '/home/me/.local/share/layerlab' : '/home/me/experiments/flower';
        return answer({ changed: true, storeDir });
      }
      if (request.method === 'settings.revealStore') {
        calls.push(request);
        return answer({ ok: true });
      }
      server.send(text);
    });
    server.onMessage((text) => {
      const message = JSON.parse(String(text)) as { result?: { transport?: string } };
      if (message.result?.transport) message.result.transport = 'ipc';
      ws.send(JSON.stringify(message));
    });
  });
  try {
    await page.goto(ui.url);
    await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
    await expect(page.locator('.path code')).toHaveText('/home/me/.local/share/layerlab');
    await expect(page.getByText('the default: your user data folder')).toBeVisible();
    await expect(page.getByText('a web page cannot choose folders')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Use the default store' })).toHaveCount(0);
    await shotBothThemes(page, 'settings-desktop');

    await page.getByRole('button', { name: 'Open store folder' }).click();
    await expect.poll(() => calls.map((c) => c.method)).toEqual(['settings.revealStore']);

    // Choosing reloads the page on the new store, back at Settings.
    await page.getByRole('button', { name: 'Choose another store…' }).click();
    await expect(page.locator('.path code')).toHaveText('/home/me/experiments/flower');
    expect(page.url()).toContain('#/settings');
    await expect(page.getByText('chosen in these settings')).toBeVisible();
    await page.getByRole('button', { name: 'Use the default store' }).click();
    await expect(page.locator('.path code')).toHaveText('/home/me/.local/share/layerlab');
    expect(calls).toEqual([
      { id: expect.any(Number), method: 'settings.revealStore', params: {} },
      { id: expect.any(Number), method: 'settings.chooseStore', params: { useDefault: false } },
      { id: expect.any(Number), method: 'settings.chooseStore', params: { useDefault: true } },
    ]);
  } finally {
    await ui.stop();
  }
});

test('skipping the welcome is remembered, and Examples brings it back', async ({ page }) => {
  const ui = await startUi();
  try {
    await page.goto(ui.url);
    await expect(page.getByRole('heading', { name: 'Welcome to Layerlab' })).toBeVisible();
    await page.getByRole('button', { name: 'Skip to the runs table' }).click();
    await expect(page.getByText('No runs yet')).toBeVisible();
    await expect(page.getByRole('banner').getByRole('link', { name: 'Examples' })).toBeVisible();

    await page.goto(ui.origin + '/');
    await expect(page.getByText('No runs yet')).toBeVisible();
    await page.waitForTimeout(300);
    expect(page.url()).not.toContain('#/welcome');

    // The empty runs table points to the examples.
    await page.locator('.empty').getByRole('link', { name: 'Examples' }).click();
    await expect(page.getByRole('heading', { name: 'Welcome to Layerlab' })).toBeVisible();

    // Settings turn it back on.
    await page.getByRole('banner').getByRole('link', { name: 'Settings' }).click();
    const show = page.getByRole('checkbox', { name: /Show the welcome screen at start/ });
    await expect(show).not.toBeChecked();
    await show.check();
    await page.goto(ui.origin + '/');
    await expect(page.getByRole('heading', { name: 'Welcome to Layerlab' })).toBeVisible();
  } finally {
    await ui.stop();
  }
});
