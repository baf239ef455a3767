/**
 * The runs-view part of `npm run bench ui` (bench/ui.bench.ts calls it): opening the runs
 * view of a store with 10,002 runs, target < 500 ms, three ways:
 * - in the app: from another view to the runs view, as a user of the desktop app does
 *   (from the hash change to the first frame with rows);
 * - reload: the same tab loads the page again (Chromium's caches warm);
 * - fresh tab: a new tab (a new renderer process) opens the address.
 * For reloads and fresh tabs, where the time goes, from the page's own timeline (navigation
 * and resource timing, the app's marks): what happens before the first byte of our HTML
 * (the browser's part, and the server's answer), the HTML, the script bundle, the app's code
 * starting, the WebSocket open, the first runs answer, the first rows painted; and from
 * Chromium's trace, the main thread's CPU time and its longest tasks until then.
 *
 * A fresh tab's time is partly Chromium's own, whatever the page: so the same run opens a
 * page with nothing but one small module script in fresh tabs too, served with our
 * headers and again without Cross-Origin-Opener-Policy. COOP same-origin puts the page in
 * a browsing context group of its own, which costs a new renderer process when the tab
 * came from about:blank; we keep it (it cuts any window that opened ours off from it).
 */
import type { Browser, Page } from '@playwright/test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An event of Chromium's trace (browser.startTracing), as the UI bench reads them. */
export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  tdur?: number;
  pid: number;
  tid: number;
  id2?: { local?: string };
}

export interface RunsViewTools {
  page: Page;
  browser: Browser;
  origin: string;
  traced<T>(browser: Browser, fn: () => Promise<T>): Promise<{ result: T; events: TraceEvent[] }>;
  waitFor(page: Page, expression: string, timeoutMs?: number): Promise<void>;
}

/** Milestones of one page load, in ms after its navigation start. */
interface Milestones {
  /** The first byte of the HTML (everything before it is the browser's and the server's). */
  htmlFirstByte: number;
  htmlLoaded: number;
  /** The app's script bundle fetched (the entry and the chunks it preloads). */
  scriptsLoaded: number;
  /** The app's code starts running (main.ts). */
  appStart: number;
  webSocketOpen: number;
  /** The first page of runs answered, checked and made into rows. */
  firstRuns: number;
  /** The first rows on screen (the frame after they were rendered). */
  shown: number;
  /** For fresh tabs: the renderer main thread's CPU time until shown, and its longest tasks. */
  cpu?: number;
  longest?: number[];
}

const MILESTONES = `(() => {
  const entry = (name) => performance.getEntriesByName(name)[0];
  const end = (name) => { const e = entry(name); return e ? e.startTime + e.duration : NaN; };
  const nav = performance.getEntriesByType('navigation')[0];
  const appStart = end('layerlab:app-start');
  // The scripts fetched before the app's code ran: the entry and what it preloads.
  const scripts = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.js') && r.startTime < appStart);
  return {
    htmlFirstByte: nav.responseStart,
    htmlLoaded: nav.responseEnd,
    scriptsLoaded: Math.max(...scripts.map((r) => r.responseEnd)),
    appStart,
    webSocketOpen: end('layerlab:ws-open'),
    firstRuns: end('layerlab:runs-list'),
    shown: end('layerlab:runs-view-shown'),
  };
})()`;

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const f = (n: number) => n.toFixed(0);

/** The renderer main thread's tasks until the first mark named `mark`: total CPU (ms), and the longest tasks' wall (ms). */
function mainThreadUntil(events: TraceEvent[], mark: string): { cpu: number; longest: number[] } {
  // The measure's end (its begin event is at its start, the navigation start here).
  const marks = events.filter((e) => e.name === mark && (e.ph === 'e' || e.ph === 'E'));
  if (marks.length === 0) return { cpu: NaN, longest: [] };
  const { pid, tid, ts } = marks[0];
  const tasks = events.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && e.pid === pid && e.tid === tid && e.ts <= ts);
  return {
    cpu: tasks.reduce((sum, t) => sum + (t.tdur ?? 0) / 1000, 0),
    longest: tasks.map((t) => (t.dur ?? 0) / 1000).sort((a, b) => b - a).slice(0, 3),
  };
}

/**
 * When a page holding only one small module script runs it, in ms after navigation start,
 * in fresh tabs (median of `rounds`), with and without COOP same-origin: Chromium's part.
 */
async function bareFreshTab(browser: Browser, rounds: number): Promise<{ coop: number; plain: number }> {
  const server = createServer((req, res) => {
    res.setHeader('Content-Security-Policy', "default-src 'none'; script-src 'self'");
    if (req.url?.startsWith('/coop')) res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (req.url?.endsWith('.js')) {
      res.setHeader('Content-Type', 'text/javascript');
      res.end("performance.mark('bare-script');");
    } else {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end('<!doctype html><html><head><script type="module" src="./bare.js"></script></head><body>bare</body></html>');
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const open = async (path: string) => {
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(`${base}${path}`);
      await tab.waitForFunction(`performance.getEntriesByName('bare-script').length > 0`);
      return (await tab.evaluate(`performance.getEntriesByName('bare-script')[0].startTime`)) as number;
    } finally {
      await context.close();
    }
  };
  try {
    const coop: number[] = [];
    const plain: number[] = [];
    // Alternated, so both see the same machine.
    for (let i = 0; i < rounds; i++) {
      coop.push(await open('/coop/'));
      plain.push(await open('/plain/'));
    }
    return { coop: median(coop), plain: median(plain) };
  } finally {
    server.close();
  }
}

/** Opens the runs view in the three ways, `rounds` times each; returns the report's lines. */
export async function measureRunsView(tools: RunsViewTools, rounds = 5): Promise<{ lines: string[]; rowCount: string }> {
  const { page, browser, origin, traced, waitFor } = tools;
  const shownNow = `performance.getEntriesByName('layerlab:runs-view-shown').length > 0`;

  // Fresh tabs: a new browser context each time (a new renderer process, empty caches),
  // holding only the page's cookie (the access token), traced.
  const fresh: Milestones[] = [];
  const cookies = await page.context().cookies();
  for (let i = 0; i < rounds; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies(cookies);
    const tab = await context.newPage();
    try {
      const { result, events } = await traced(browser, async () => {
        await tab.goto(`${origin}/#/runs`, { waitUntil: 'commit' });
        await tab.waitForSelector('.spacer .row');
        await waitFor(tab, shownNow);
        return (await tab.evaluate(MILESTONES)) as Milestones;
      });
      fresh.push({ ...result, ...mainThreadUntil(events, 'layerlab:runs-view-shown') });
    } finally {
      await context.close();
    }
  }

  // Reloads of the page the bench has open.
  await page.goto(`${origin}/#/runs`);
  const reloads: Milestones[] = [];
  for (let i = 0; i < rounds; i++) {
    await page.reload({ waitUntil: 'commit' });
    await page.waitForSelector('.spacer .row');
    await waitFor(page, shownNow);
    reloads.push((await page.evaluate(MILESTONES)) as Milestones);
  }

  // The rest of the 10,000 arrive behind the first page.
  const allStarted = Date.now();
  await waitFor(page, `!document.querySelector('.count')?.textContent?.includes('loading')`);
  const allLoaded = Date.now() - allStarted;
  const rowCount = ((await page.locator('.count').textContent()) ?? '').replace(/\s*\(loading more…\)/, '');

  // In the app: from the sweeps view back to the runs table (all its runs loaded), as a
  // user switches views; from the hash change to the first frame with the table's rows.
  const inApp: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await page.goto(`${origin}/#/sweeps`);
    await waitFor(page, `document.querySelector('.spacer .row') === null`);
    inApp.push(
      (await page.evaluate(`new Promise((done) => {
        const t0 = performance.now();
        location.hash = '#/runs';
        const check = () => document.querySelector('.spacer .row') ? requestAnimationFrame(() => done(performance.now() - t0)) : requestAnimationFrame(check);
        check();
      })`)) as number,
    );
  }

  const row = (name: string, ms: Milestones[]) => {
    const m = (key: keyof Milestones) => f(median(ms.map((x) => x[key] as number)));
    return (
      `    ${name.padEnd(10)} first byte ${m('htmlFirstByte').padStart(4)}, HTML ${m('htmlLoaded').padStart(4)}, scripts ${m('scriptsLoaded').padStart(4)}, ` +
      `app code ${m('appStart').padStart(4)}, WebSocket open ${m('webSocketOpen').padStart(4)}, first runs ${m('firstRuns').padStart(4)}, rows shown ${m('shown').padStart(4)} ms`
    );
  };
  const bare = await bareFreshTab(browser, rounds);
  const ours = (ms: Milestones[]) => ms.map((x) => x.shown - x.htmlFirstByte);
  const verdict = (v: number) => (v < 500 ? 'under 500 ms' : 'OVER 500 ms');
  const lines = [
    `runs view with ${rowCount}, first rows on screen   target < 500 ms:`,
    `  in the app, from another view: ${inApp.map((v) => v.toFixed(1)).join(', ')} ms (median ${median(inApp).toFixed(1)}, ${verdict(median(inApp))})`,
    `  reload, after navigation start: ${reloads.map((x) => f(x.shown)).join(', ')} ms (median ${f(median(reloads.map((x) => x.shown)))}, ${verdict(median(reloads.map((x) => x.shown)))}); after our first byte ${f(median(ours(reloads)))} ms`,
    `  fresh tab, after navigation start: ${fresh.map((x) => f(x.shown)).join(', ')} ms (median ${f(median(fresh.map((x) => x.shown)))}, ${verdict(median(fresh.map((x) => x.shown)))}); after our first byte ${f(median(ours(fresh)))} ms`,
    `  where the time goes (medians, ms after navigation start; before the first byte: the browser and the server):`,
    row('reload', reloads),
    row('fresh tab', fresh),
    `  fresh tab, renderer main thread until the rows: CPU ${fresh.map((x) => f(x.cpu!)).join(', ')} ms (median ${f(median(fresh.map((x) => x.cpu!)))}); ` +
      `longest tasks (wall) ${fresh.map((x) => x.longest!.map(f).join('/')).join(', ')} ms`,
    `  Chromium's part: a page of one small module script runs it in a fresh tab ${f(bare.coop)} ms after navigation start with our headers, ` +
      `${f(bare.plain)} ms without COOP same-origin (medians); the runs view's rows come ${f(median(fresh.map((x) => x.shown)) - bare.coop)} ms after that`,
    `  (all the runs loaded ${allLoaded} ms after a reload's first rows, in pages of 2,500, while the table stays usable)`,
  ];
  return { lines, rowCount };
}
