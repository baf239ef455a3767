/**
 * The journey a newcomer makes, in Debian's Chromium against `layerlab ui` on an empty
 * store: train runs from the form and watch them live, compare two runs, and export the
 * better one to ONNX, which must run in onnxruntime-node. A screenshot of each view goes
 * to test-results/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { type RunningUi, startUi } from './server';

const SHOTS = 'test-results/screenshots';
let ui: RunningUi;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  ui = await startUi();
});
test.afterAll(async () => {
  await ui?.stop();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}/${name}.png` });
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

async function trainFromForm(page: Page, units: number) {
  await page.getByRole('link', { name: 'New experiment' }).click();
  await expect(page.getByRole('heading', { name: 'New experiment' })).toBeVisible();
  await page.getByLabel('Units of hidden layer 1').fill(String(units));
  await page.getByLabel('Iterations', { exact: true }).fill('3000');
  await page.getByRole('button', { name: 'Train' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`[${units}]`);
}

test('a newcomer trains, watches, compares and exports', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(ui.url);
  // The token was traded for a cookie: the address bar no longer shows it.
  expect(page.url()).not.toContain('token=');
  await expect(page.getByText('No runs yet')).toBeVisible();
  await shot(page, '01-runs-empty');

  await page.getByRole('link', { name: 'New experiment' }).click();
  // A wrong value is reported at its field, and Train is disabled until it is fixed.
  await page.getByLabel('Learning rate').fill('-1');
  await expect(page.getByText('must be > 0')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Train' })).toBeDisabled();
  await shot(page, '02-new-experiment-error');
  await page.getByLabel('Learning rate').fill('1.2');
  await expect(page.getByRole('button', { name: 'Train' })).toBeEnabled();

  await trainFromForm(page, 1);
  await expect(page.locator('.status.completed')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('Confusion matrix (test set)')).toBeVisible();
  await shot(page, '03-run-1-unit');

  await trainFromForm(page, 5);
  await expect(page.locator('.status.completed')).toBeVisible({ timeout: 60_000 });
  // Replay the boundary from the first checkpoint.
  const replay = page.getByLabel('Replay the boundary over training');
  await replay.fill('0');
  await expect(page.getByText(/Decision boundary\s*at iteration 0/)).toBeVisible();
  await replay.fill(await replay.getAttribute('max') ?? '0');
  await shot(page, '04-run-5-units');

  await page.getByRole('link', { name: 'Runs' }).click();
  await expect(page.getByText('2 runs')).toBeVisible();
  await page.getByLabel('Select all shown runs').check();
  await shot(page, '05-runs-selected');
  await page.getByRole('button', { name: 'Compare (2)' }).click();
  await expect(page.getByRole('heading', { name: 'Compare 2 runs' })).toBeVisible();
  await expect(page.getByText('Config differences')).toBeVisible();
  await expect(page.locator('.diff code', { hasText: 'model.hidden' })).toBeVisible();
  await expect(page.getByText('best', { exact: true })).toBeVisible();
  await shot(page, '06-compare');

  const download = page.waitForEvent('download');
  await page.locator('.export-best').getByRole('button', { name: 'ONNX' }).click();
  const file = await (await download).path();
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(readFileSync(file));
  const x = new ort.Tensor('float32', new Float32Array([0, 2, 0, -2, 3, 0]), [3, 2]);
  const out = await session.run({ [session.inputNames[0]]: x });
  const probs = out[session.outputNames[0]].data as Float32Array;
  expect(probs.length).toBe(3);
  for (const p of probs) expect(p >= 0 && p <= 1).toBe(true);

  expect(errors).toEqual([]);
});
