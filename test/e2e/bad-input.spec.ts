/**
 * Bad input through the app, in Debian's Chromium against `layerlab ui` on a temporary
 * store: what the probe of issue 5 found, each shown where it happens and nothing trained
 * by mistake.
 * - File picked, the import refused (a binary file named .csv, an .npy that is not one):
 *   the message at the file, and Train stays off (it used to train the planar generator).
 * - A network too large for the workbench: the problem at the hidden layers.
 * - A run that diverges: it says why, its curves and boundary draw, and its ONNX export
 *   is refused with the weight that float32 cannot hold (the file used to answer NaN).
 * Screenshots go to test-results/screenshots/bad-input-*.png.
 */
import { mkdirSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { type RunningUi, startUi } from './server';

const SHOTS = 'test-results/screenshots';

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // The refused upload's own 400 is the answer the page shows, not a fault.
    if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

test.describe('bad input', () => {
  let ui: RunningUi;
  test.beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ui = await startUi();
  });
  test.afterAll(async () => {
    await ui?.stop();
  });

  async function newExperiment(page: Page) {
    await page.goto(ui.url);
    await page.goto(`${ui.origin}/#/new`);
    await expect(page.getByRole('heading', { name: 'New experiment' })).toBeVisible();
  }

  test('a refused import shows at the file and trains nothing', async ({ page }) => {
    const errors = watchErrors(page);
    await newExperiment(page);
    const train = page.getByRole('button', { name: 'Train', exact: true });
    await page.getByRole('radio', { name: /File/ }).check();
    // No file yet: the data is the problem, not the generator's planar flower.
    await expect(page.getByRole('alert')).toHaveText('choose a data file first (or pick Generator)');
    await expect(train).toBeDisabled();

    const upload = page.getByLabel('Data file to import');
    await upload.setInputFiles({ name: 'photo.csv', mimeType: 'text/csv', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]) });
    // A PNG header: \r\n, then \x1a\n, then its NUL bytes on the third line.
    await expect(page.getByRole('alert')).toHaveText(/^photo\.csv is not a text file: line 3 holds a NUL byte/);
    await expect(train).toBeDisabled();

    await upload.setInputFiles({ name: 'x.npy', mimeType: 'application/octet-stream', buffer: Buffer.from('x1,x2,y\n1,2,0\n') });
    await expect(page.getByRole('alert')).toHaveText(/^x\.npy: not a \.npy file/);
    await expect(train).toBeDisabled();
    await page.screenshot({ path: `${SHOTS}/bad-input-import.png` });

    // A good file afterwards is taken, and Train comes on.
    const rows = Array.from({ length: 40 }, (_, i) => `${Math.cos(i)},${Math.sin(i)},${i % 2}`);
    await upload.setInputFiles({ name: 'ok.csv', mimeType: 'text/csv', buffer: Buffer.from(['x1,x2,y', ...rows].join('\n')) });
    await expect(page.getByLabel('Label column')).toHaveValue('y');
    await expect(train).toBeEnabled();
    expect(errors).toEqual([]);
  });

  test('a CSV with NaN, inf or empty values says where, and trains once told to leave them out', async ({ page }) => {
    const errors = watchErrors(page);
    await newExperiment(page);
    await page.getByRole('radio', { name: /File/ }).check();
    const rows = Array.from({ length: 60 }, (_, i) => `${Math.cos(i)},${i === 7 ? 'NaN' : Math.sin(i)},${i === 20 ? '' : i % 2},${i === 3 ? 'inf' : i},n${i}`);
    await page.getByLabel('Data file to import').setInputFiles({ name: 'gaps.csv', mimeType: 'text/csv', buffer: Buffer.from(['x1,x2,y,id,name', ...rows].join('\n')) });
    await expect(page.getByLabel('Label column')).toHaveValue('name');
    await page.getByLabel('Label column').selectOption('y');
    // Text in a feature column: said before any run.
    await page.getByRole('checkbox', { name: 'name' }).check();
    await expect(page.getByRole('alert')).toHaveText("gaps.csv line 2, column 'name': 'n0' is not a number; a feature must be (untick it, or pick it as the label)");
    await page.getByRole('checkbox', { name: 'name' }).uncheck();
    // The id column (inf on line 5) is not read once unticked; x2's NaN on line 9 still is.
    await page.getByRole('checkbox', { name: 'id' }).uncheck();
    const train = page.getByRole('button', { name: 'Train', exact: true });
    await expect(page.getByRole('alert')).toHaveText("gaps.csv line 9, column 'x2': NaN is not a finite number; leave out such examples below, or the column");
    await expect(train).toBeDisabled();
    await page.screenshot({ path: `${SHOTS}/bad-input-missing.png` });
    await page.getByLabel('Leave out examples with NaN, inf or empty values').check();
    await expect(train).toBeEnabled();
    await train.click();
    await expect(page.locator('.status').first()).toHaveText('completed', { timeout: 60_000 });
    await page.getByText('Configuration').click();
    await expect(page.locator('.config pre')).toContainText('"non_finite": "drop"');
    expect(errors).toEqual([]);
  });

  test('a label with three classes picks softmax, and says why sigmoid will not do', async ({ page }) => {
    await newExperiment(page);
    await page.getByRole('radio', { name: /File/ }).check();
    const rows = Array.from({ length: 60 }, (_, i) => `${Math.cos(i)},${Math.sin(i)},${i % 3}`);
    await page.getByLabel('Data file to import').setInputFiles({ name: 'three.csv', mimeType: 'text/csv', buffer: Buffer.from(['x1,x2,y', ...rows].join('\n')) });
    await expect(page.getByLabel('Output')).toHaveValue('softmax');
    await page.getByLabel('Output').selectOption('sigmoid');
    await expect(page.getByText("the label column 'y' holds 3 classes (0, 1, 2); sigmoid is for 2: use softmax")).toBeVisible();
    await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();
  });

  test('a network too large for the workbench is a problem at its hidden layers', async ({ page }) => {
    await newExperiment(page);
    await page.getByLabel('Units of hidden layer 1', { exact: true }).fill('10000');
    for (let i = 0; i < 49; i++) await page.getByRole('button', { name: '+ Add hidden layer' }).click();
    await expect(page.getByRole('alert')).toHaveText(/^this network needs about \d+ GB to train \(4,900,530,001 parameters; 320 examples per step\)/);
    await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();
  });

  test('a diverged run says why, draws, and refuses an ONNX file that would answer NaN', async ({ page }) => {
    const errors = watchErrors(page);
    await newExperiment(page);
    // gd with α 1000 and L2 1e6: the weights grow by ~10⁶ an iteration until the cost overflows.
    await page.getByLabel('Learning rate', { exact: true }).fill('1000');
    await page.getByLabel('L2 (λ)', { exact: true }).fill('1e6');
    await page.getByLabel('Iterations', { exact: true }).fill('300');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await expect(page.locator('.status').first()).toHaveText('diverged', { timeout: 60_000 });
    await expect(page.getByText(/^the cost became Infinity at iteration \d+$/)).toBeVisible();
    await expect(page.getByRole('img', { name: /Decision boundary of/ })).toBeVisible();
    await expect(page.locator('canvas').first()).toBeVisible();

    await page.getByRole('button', { name: 'ONNX', exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText(/cannot be exported as ONNX: its weight W\d\[\d+, \d+\] is -?\d\.\d{3}e\+\d+, beyond float32's range/);
    // The float64 formats hold the weights.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'npz', exact: true }).click();
    expect((await download).suggestedFilename()).toMatch(/\.npz$/);
    await page.screenshot({ path: `${SHOTS}/bad-input-diverged.png` });
    expect(errors).toEqual([]);
  });
});
