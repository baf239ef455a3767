/**
 * The runs-view part of `npm run bench ui` (bench/ui.bench.ts calls it): opening the runs
 * view of a store with 10,002 runs, target < 500 ms, three ways:
 * - in the app: from another view to the runs view, as a user of the desktop app does
 *   (from the hash change to the first frame with rows);
 * - reload: the same tab loads the page again (Chromium's caches warm);
 * - fresh tab: a new tab (a new renderer process, empty caches) opens the address;
 *   and the same for a returning visitor, whose browser showed the page twice before (in
 *   tabs since closed): its HTTP cache and V8 code cache warm, a new renderer process still;
 * - the printed link opened from another app: the browser makes a new tab with the
 *   address `layerlab ui` printed (CDP Target.createTarget with the URL), so no about:blank
 *   is committed in a renderer first, and the token is traded for a cookie by a redirect;
 *   timed from navigation start and from the command (Node's clock before it against the
 *   page's timeOrigin; the fresh tab's navigation start against Node's clock before its
 *   goto checks that the two clocks agree). Nothing is asked of that tab for 3 s.
 * Playwright holds every new tab at its start until its session is set up, and attaches
 * to it: so the link and a tab typed into are measured again with plain CDP in a Chromium
 * of its own, where nothing attaches to the tab until it has painted.
 * "On screen" is when the first row is painted: the presentation time Chromium reports
 * for it (Element Timing, the name cell of the first row has `elementtiming`). The app's
 * own mark (layerlab:runs-view-shown, in the animation frame that draws the rows) comes
 * before that frame's style, layout, paint and raster, and is printed beside it.
 *
 * A fresh tab opens in a browser window that is already open, as when a user opens the
 * printed address in their browser: a new browser context (empty caches, no process for
 * our site) whose window has been up for a moment with a blank tab. A new context's first
 * tab also opens a window, and Chromium then starts that window's own UI (its omnibox
 * popup is a WebUI page in a renderer of its own: about 0.6 s of CPU on two cores during
 * our page's load); that "new window" case is measured too. Nothing of Playwright runs in
 * the page until the rows are painted: one evaluation waits in the page for the marks.
 * For reloads and fresh tabs, where the time goes, from the page's own timeline
 * (navigation and resource timing, the app's marks): what happens before the first byte
 * of our HTML (the browser's part, and the server's answer), the HTML, the script bundle,
 * the app's code starting, the WebSocket open, the first runs answer, the rows rendered,
 * the rows painted; and from Chromium's trace, the main thread's CPU time and its longest
 * tasks until then.
 *
 * A fresh tab's time is partly Chromium's own, whatever the page: so the same run opens a
 * page with nothing but one small module script and a word of text in fresh tabs too (and
 * as a link from another app), served with our headers and again without
 * Cross-Origin-Opener-Policy (when its script runs, when its text is painted). COOP same-origin puts the page in a browsing context
 * group of its own, which costs a new renderer process when the tab came from
 * about:blank; we keep it (it cuts any window that opened ours off from it).
 */
import type { Browser, BrowserContext, Page } from '@playwright/test';

type Cookie = Parameters<BrowserContext['addCookies']>[0][number];
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config';

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
  /** The address `layerlab ui` printed (…/?token=…), which trades the token for a cookie and redirects to /. */
  link: string;
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
  /** The app's mark: the animation frame after the first rows were rendered, before it is drawn. */
  shown: number;
  /** The first row painted (Element Timing's presentation time): the rows on screen. */
  painted: number;
  /** For fresh tabs: the renderer main thread's CPU time until shown, and its longest tasks. */
  cpu?: number;
  longest?: number[];
  /** For tabs opened from here: navigation start (the page's clock) less Node's clock when the command was sent. */
  commandToStart?: number;
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

const WS_OPEN = `performance.getEntriesByName('layerlab:ws-open').length > 0`;

/**
 * Waits in the page (one evaluation, no polling) until the app's runs-view-shown mark and
 * the first row's paint are there; resolves with the paint's time (ms after navigation
 * start). Element Timing's entries reach only an observer (buffered), never getEntries.
 */
const PAINTED = `new Promise((done, fail) => {
  const timer = setTimeout(() => fail(new Error('the first row was not painted in 60 s')), 60000);
  let painted = NaN;
  const check = () => {
    if (Number.isNaN(painted) || performance.getEntriesByName('layerlab:runs-view-shown').length === 0) return;
    clearTimeout(timer);
    done(painted);
  };
  new PerformanceObserver((list) => {
    const e = list.getEntries().find((e) => e.identifier === 'runs-first-row');
    if (e) painted = e.renderTime || e.loadTime;
    check();
  }).observe({ type: 'element', buffered: true });
  new PerformanceObserver(check).observe({ type: 'measure', buffered: true });
})`;

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const f = (n: number) => n.toFixed(0);

/**
 * The renderer main thread's tasks that started before `ms` after navigation start (the
 * start of the measure named `mark`, which begins at navigation start): total CPU (ms), and
 * the longest tasks' wall (ms).
 */
function mainThreadUntil(events: TraceEvent[], mark: string, ms: number): { cpu: number; longest: number[] } {
  const begin = events.find((e) => e.name === mark && (e.ph === 'b' || e.ph === 'B'));
  if (!begin) return { cpu: NaN, longest: [] };
  const { pid, tid } = begin;
  const until = begin.ts + ms * 1000;
  const tasks = events.filter((e) => e.name === 'ThreadControllerImpl::RunTask' && e.pid === pid && e.tid === tid && e.ts <= until);
  return {
    cpu: tasks.reduce((sum, t) => sum + (t.tdur ?? 0) / 1000, 0),
    longest: tasks.map((t) => (t.dur ?? 0) / 1000).sort((a, b) => b - a).slice(0, 3),
  };
}

/**
 * How a fresh tab comes: `tab`, a new tab in a window already open (Playwright's newPage:
 * the tab commits about:blank in a renderer first, then goes to our address); `link`, the
 * printed address opened from another app in a window already open (the browser makes a
 * new tab with that URL: no about:blank committed first, the token traded for a cookie
 * by a redirect); `window`, a new window's first tab; `returning`, a new tab in a window
 * already open of a browser that has shown our page before (its caches warm, no tab of
 * ours open).
 */
type FreshMode = 'tab' | 'link' | 'window' | 'returning';

/**
 * A new tab with nothing of our site in it, for `url`: a new browser context (empty
 * caches, except in `returning` mode, where two earlier visits filled them); in `window`
 * mode its first tab (a new window, whose own UI Chromium starts at the same time), else a
 * tab opened after the window has been up for 2 s.
 */
async function freshTab(browser: Browser, mode: Exclude<FreshMode, 'link'>, cookies: Cookie[] = [], origin = ''): Promise<{ tab: Page; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addCookies(cookies);
  if (mode === 'returning') {
    // Two earlier visits in tabs since closed: Chromium keeps a script's compiled code
    // (its code cache) from the second time it sees it, and the HTTP cache holds the files.
    for (let visit = 0; visit < 2; visit++) {
      const earlier = await context.newPage();
      await earlier.goto(`${origin}/#/runs`);
      await earlier.waitForSelector('.spacer .row');
      await earlier.close();
    }
  }
  if (mode !== 'window') {
    await context.newPage();
    await new Promise((r) => setTimeout(r, 2000));
  }
  return { tab: await context.newPage(), close: () => context.close() };
}

/** Node's clock as the page's performance.timeOrigin counts it: ms since the epoch, sub-ms. */
const now = () => performance.timeOrigin + performance.now();

/** Where a page's timeline starts, on the same clock as now(). */
const TIME_ORIGIN = 'performance.timeOrigin';

/**
 * A window already up (a new browser context, empty caches, with a blank tab for 2 s) in
 * which `open(url)` does what a browser does when another app (a terminal, a chat) hands it
 * a link: a new tab created with that URL by the browser (CDP Target.createTarget in the
 * context), so the navigation is browser-initiated and no about:blank is committed in a
 * renderer first. The tab is picked up from the context's 'page' event; nothing is run in
 * it. `open` returns it with Node's clock just before the command.
 *
 * Playwright's own hold stays in this path: it attaches to every new tab paused
 * (waitForDebuggerOnStart) and lets it go once its session is set up (a few round trips
 * over its pipe), which a user's browser does not do; the bench prints how long after the
 * command navigation starts.
 */
async function outsideWindow(browser: Browser): Promise<{ open(url: string): Promise<{ tab: Page; commandAt: number }>; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const blank = await context.newPage();
  await new Promise((r) => setTimeout(r, 2000));
  const own = await context.newCDPSession(blank);
  const { targetInfo } = await own.send('Target.getTargetInfo');
  await own.detach();
  return {
    async open(url) {
      const cdp = await browser.newBrowserCDPSession();
      try {
        const opened = context.waitForEvent('page');
        const commandAt = now();
        await cdp.send('Target.createTarget', { url, browserContextId: targetInfo.browserContextId });
        return { tab: await opened, commandAt };
      } finally {
        await cdp.detach();
      }
    },
    close: () => context.close(),
  };
}

/**
 * Chromium driven over plain CDP, with nothing of Playwright in it: a new tab is not held
 * at its start (Playwright attaches to each new tab paused until its session is set up)
 * and nothing is attached to it until it is asked for its timings. The check on the
 * Playwright-driven cases: the same tab openings without that hold.
 */
class PlainChromium {
  private next = 1;
  private readonly waiting = new Map<number, { done(v: any): void; fail(e: Error): void }>();
  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    private readonly ws: WebSocket,
    private readonly profile: string,
  ) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
      const w = m.id === undefined ? undefined : this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id!);
      if (m.error) w.fail(new Error(`CDP: ${m.error.message}`));
      else w.done(m.result);
    });
  }

  static async launch(): Promise<PlainChromium> {
    const profile = mkdtempSync(join(tmpdir(), 'layerlab-bench-chromium-'));
    const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    const address = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`Chromium did not open its DevTools port in 30 s:\n${output}`)), 30_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done(match[1]);
        }
      });
      child.once('exit', (code) => fail(new Error(`Chromium exited with ${code}:\n${output}`)));
    });
    const ws = new WebSocket(address, { perMessageDeflate: false });
    await new Promise((done, fail) => {
      ws.once('open', done);
      ws.once('error', fail);
    });
    return new PlainChromium(child, ws, profile);
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.next++;
    return new Promise((done, fail) => {
      this.waiting.set(id, { done, fail });
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  /** The value of `expression` (awaited) in a tab, attaching to it only now. */
  async evaluate(targetId: string, expression: string): Promise<any> {
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const { result, exceptionDetails } = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }

  /**
   * A window already up (a new browser context with a blank tab for 2 s) where a page is
   * opened `from` a `link` handed over by another app (Target.createTarget with the URL) or
   * typed into the blank `tab` (Page.navigate, which is browser-initiated too).
   */
  async window(): Promise<{ open(url: string, from: 'link' | 'tab'): Promise<{ targetId: string; commandAt: number }>; close(): Promise<void> }> {
    const { browserContextId } = await this.send('Target.createBrowserContext', { disposeOnDetach: true });
    const blank = (await this.send('Target.createTarget', { url: 'about:blank', browserContextId, newWindow: true, width: 1280, height: 800 })).targetId as string;
    await new Promise((r) => setTimeout(r, 2000));
    return {
      open: async (url, from) => {
        if (from === 'tab') {
          const { sessionId } = await this.send('Target.attachToTarget', { targetId: blank, flatten: true });
          const commandAt = now();
          await this.send('Page.navigate', { url }, sessionId);
          return { targetId: blank, commandAt };
        }
        const commandAt = now();
        const { targetId } = await this.send('Target.createTarget', { url, browserContextId });
        return { targetId, commandAt };
      },
      close: () => this.send('Target.disposeBrowserContext', { browserContextId }),
    };
  }

  async close(): Promise<void> {
    this.ws.close();
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** How long a tab opened from outside is left alone before anything is asked of it. */
const HANDS_OFF_MS = 3000;

/**
 * `expression` (a promise of an object whose `painted` is ms after navigation start, from
 * buffered observers), evaluated only after the tab has been left alone for HANDS_OFF_MS;
 * with the page's time origin, and whether the evaluation came before the paint after all
 * (a machine too busy).
 */
async function handsOff<T extends { painted: number }>(tab: Page, expression: string): Promise<T & { timeOrigin: number; early: boolean }> {
  await new Promise((r) => setTimeout(r, HANDS_OFF_MS));
  return (await tab.evaluate(withTimeOrigin(expression))) as T & { timeOrigin: number; early: boolean };
}

/** `expression`'s value with the page's time origin, and whether it was asked before the paint. */
const withTimeOrigin = (expression: string) => `(() => {
  const at = performance.now();
  return (${expression}).then((v) => ({ ...v, timeOrigin: ${TIME_ORIGIN}, early: at < v.painted }));
})()`;

/**
 * When a page holding only one small module script and a word runs its script and paints
 * the word, in ms after navigation start, in fresh tabs (medians of `rounds`), with and
 * without COOP same-origin: Chromium's part. In `link` mode the tab is opened from
 * outside (openFromOutside), and the paint is also timed from the command.
 */
/** A server of a page holding one small module script and a word, with our CSP; under /coop/ with COOP same-origin. */
async function bareServer(): Promise<{ base: string; close(): void }> {
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
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/** In the bare page: when its script ran and its word was painted (ms after navigation start). */
const BARE = `new Promise((done) => {
  const at = {};
  const check = () => { if (at.script !== undefined && at.painted !== undefined) done(at); };
  new PerformanceObserver(() => { const e = performance.getEntriesByName('bare-script')[0]; if (e) at.script = e.startTime; check(); }).observe({ type: 'mark', buffered: true });
  new PerformanceObserver(() => { const e = performance.getEntriesByName('first-contentful-paint')[0]; if (e) at.painted = e.startTime; check(); }).observe({ type: 'paint', buffered: true });
})`;

async function bareFreshTab(browser: Browser, rounds: number, mode: 'tab' | 'link' | 'window'): Promise<{ coop: Bare; plain: Bare }> {
  const server = await bareServer();
  const base = server.base;
  const open = async (path: string): Promise<Bare> => {
    if (mode === 'link') {
      const window = await outsideWindow(browser);
      try {
        const { tab, commandAt } = await window.open(`${base}${path}`);
        const at = await handsOff<Bare>(tab, BARE);
        return { ...at, fromCommand: at.timeOrigin + at.painted - commandAt };
      } finally {
        await window.close();
      }
    }
    const { tab, close } = await freshTab(browser, mode);
    try {
      await tab.goto(`${base}${path}`, { waitUntil: 'commit' });
      return (await tab.evaluate(BARE)) as Bare;
    } finally {
      await close();
    }
  };
  try {
    const coop: Bare[] = [];
    const plain: Bare[] = [];
    // Alternated, so both see the same machine.
    for (let i = 0; i < rounds; i++) {
      coop.push(await open('/coop/'));
      plain.push(await open('/plain/'));
    }
    return { coop: medianBare(coop), plain: medianBare(plain) };
  } finally {
    server.close();
  }
}

interface Bare {
  script: number;
  painted: number;
  /** In `link` mode: the paint in ms after Node sent the command that opened the tab. */
  fromCommand?: number;
}

const medianBare = (all: Bare[]): Bare => ({
  script: median(all.map((b) => b.script)),
  painted: median(all.map((b) => b.painted)),
  fromCommand: median(all.map((b) => b.fromCommand ?? NaN)),
});

/** One page opened without Playwright: ms after navigation start, and from the command. */
interface PlainOpening {
  painted: number;
  fromCommand: number;
  /** Navigation start (the page's clock) less Node's clock at the command. */
  toStart: number;
  early: boolean;
}

type PlainCase = { runs: PlainOpening[]; coop: (Bare & PlainOpening)[]; plain: (Bare & PlainOpening)[] };

/**
 * Without Playwright (PlainChromium), alternated `rounds` times: the printed link opened
 * from another app (a new tab with that URL) and typed into a blank tab that has been up
 * for 2 s; each time the runs view's first row painted and the bare page with and
 * without COOP, each in a new browser context.
 */
async function withoutPlaywright(link: string, rounds: number): Promise<Record<'link' | 'tab', PlainCase>> {
  const chromium = await PlainChromium.launch();
  const bare = await bareServer();
  const results: Record<'link' | 'tab', PlainCase> = { link: { runs: [], coop: [], plain: [] }, tab: { runs: [], coop: [], plain: [] } };
  const once = async <T extends { painted: number }>(url: string, from: 'link' | 'tab', expression: string): Promise<T & PlainOpening> => {
    const window = await chromium.window();
    try {
      const { targetId, commandAt } = await window.open(url, from);
      await new Promise((r) => setTimeout(r, HANDS_OFF_MS));
      const v = (await chromium.evaluate(targetId, withTimeOrigin(expression))) as T & { timeOrigin: number; early: boolean };
      return { ...v, fromCommand: v.timeOrigin + v.painted - commandAt, toStart: v.timeOrigin - commandAt };
    } finally {
      await window.close();
    }
  };
  try {
    // A freshly started browser's first tabs are slower than any later one: not measured.
    for (const from of ['tab', 'link'] as const) await once(link, from, `${PAINTED}.then((painted) => ({ painted }))`);
    for (let i = 0; i < rounds; i++) {
      for (const from of ['tab', 'link'] as const) {
        results[from].runs.push(await once(link, from, `${PAINTED}.then((painted) => ({ painted }))`));
        results[from].coop.push(await once<Bare>(`${bare.base}/coop/`, from, BARE));
        results[from].plain.push(await once<Bare>(`${bare.base}/plain/`, from, BARE));
      }
    }
  } finally {
    bare.close();
    await chromium.close();
  }
  return results;
}

/** Opens the runs view in each of the ways above, `rounds` times each; returns the report's lines. */
export async function measureRunsView(tools: RunsViewTools, rounds = 5): Promise<{ lines: string[]; rowCount: string }> {
  const { page, browser, origin, link, traced, waitFor } = tools;

  // Fresh tabs, in a window already open and in a new window (see the top): a new browser
  // context each time (a new renderer process, empty caches), holding only the page's
  // cookie (the access token), traced. The two kinds alternate.
  const fresh: Record<FreshMode, Milestones[]> = { tab: [], link: [], window: [], returning: [] };
  const cookies = await page.context().cookies();
  const early: string[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const mode of ['tab', 'link', 'window', 'returning'] as const) {
      if (mode === 'link') {
        // The printed address, from another app: no cookie yet, the token in the address.
        const window = await outsideWindow(browser);
        try {
          const { result, events } = await traced(browser, async () => {
            const { tab, commandAt } = await window.open(link);
            const at = await handsOff<{ painted: number }>(tab, `${PAINTED}.then((painted) => ({ painted }))`);
            if (at.early) early.push(`link ${i}`);
            await waitFor(tab, WS_OPEN);
            return { ...((await tab.evaluate(MILESTONES)) as Milestones), painted: at.painted, commandToStart: at.timeOrigin - commandAt };
          });
          fresh.link.push({ ...result, ...mainThreadUntil(events, 'layerlab:runs-view-shown', result.painted) });
        } finally {
          await window.close();
        }
        continue;
      }
      const { tab, close } = await freshTab(browser, mode, cookies, origin);
      try {
        const { result, events } = await traced(browser, async () => {
          const commandAt = now();
          await tab.goto(`${origin}/#/runs`, { waitUntil: 'commit' });
          const painted = (await tab.evaluate(PAINTED)) as number;
          await waitFor(tab, WS_OPEN);
          const timeOrigin = (await tab.evaluate(TIME_ORIGIN)) as number;
          return { ...((await tab.evaluate(MILESTONES)) as Milestones), painted, commandToStart: timeOrigin - commandAt };
        });
        fresh[mode].push({ ...result, ...mainThreadUntil(events, 'layerlab:runs-view-shown', result.painted) });
      } finally {
        await close();
      }
    }
  }

  // Reloads of the page the bench has open.
  await page.goto(`${origin}/#/runs`);
  const reloads: Milestones[] = [];
  for (let i = 0; i < rounds; i++) {
    await page.reload({ waitUntil: 'commit' });
    const painted = (await page.evaluate(PAINTED)) as number;
    await waitFor(page, WS_OPEN);
    reloads.push({ ...((await page.evaluate(MILESTONES)) as Milestones), painted });
  }
  await page.waitForSelector('.spacer .row');

  // The rest of the 10,000 arrive behind the first page.
  const allStarted = Date.now();
  await waitFor(page, `!document.querySelector('.count')?.textContent?.includes('loading')`);
  const allLoaded = Date.now() - allStarted;
  const rowCount = ((await page.locator('.count').textContent()) ?? '').replace(/\s*\(loading more…\)/, '');

  // In the app: from the sweeps view back to the runs table (all its runs loaded), as a
  // user switches views; from the hash change to the first frame with the table's rows,
  // and to the first row painted.
  const inApp: number[] = [];
  const inAppPainted: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await page.goto(`${origin}/#/sweeps`);
    await waitFor(page, `document.querySelector('.spacer .row') === null`);
    const times = (await page.evaluate(`new Promise((done) => {
      const t0 = performance.now();
      const at = {};
      const check = () => { if (at.shown !== undefined && at.painted !== undefined) done(at); };
      const observer = new PerformanceObserver((list) => {
        const e = list.getEntries().find((e) => e.identifier === 'runs-first-row' && e.renderTime > t0);
        if (e) { at.painted = e.renderTime - t0; observer.disconnect(); check(); }
      });
      observer.observe({ type: 'element' });
      location.hash = '#/runs';
      const frame = () => document.querySelector('.spacer .row') ? requestAnimationFrame(() => { at.shown = performance.now() - t0; check(); }) : requestAnimationFrame(frame);
      frame();
    })`)) as { shown: number; painted: number };
    inApp.push(times.shown);
    inAppPainted.push(times.painted);
  }

  const row = (name: string, ms: Milestones[]) => {
    const m = (key: keyof Milestones) => f(median(ms.map((x) => x[key] as number)));
    return (
      `    ${name.padEnd(10)} first byte ${m('htmlFirstByte').padStart(4)}, HTML ${m('htmlLoaded').padStart(4)}, scripts ${m('scriptsLoaded').padStart(4)}, ` +
      `app code ${m('appStart').padStart(4)}, first runs ${m('firstRuns').padStart(4)}, rows rendered ${m('shown').padStart(4)}, painted ${m('painted').padStart(4)}, ` +
      `WebSocket open ${m('webSocketOpen').padStart(4)} ms`
    );
  };
  const [bareTab, bareLink, bareWindow] = [
    await bareFreshTab(browser, rounds, 'tab'),
    await bareFreshTab(browser, rounds, 'link'),
    await bareFreshTab(browser, rounds, 'window'),
  ];
  const plainCases = await withoutPlaywright(link, rounds);
  const ours = (ms: Milestones[]) => ms.map((x) => x.painted - x.htmlFirstByte);
  const verdict = (v: number) => (v < 500 ? 'under 500 ms' : 'OVER 500 ms');
  const painted = (ms: Milestones[]) => ms.map((x) => x.painted);
  const shown = (ms: Milestones[]) => median(ms.map((x) => x.shown));
  const loads = (name: string, ms: Milestones[]) =>
    `  ${name}: ${painted(ms).map(f).join(', ')} ms (median ${f(median(painted(ms)))}, ${verdict(median(painted(ms)))}); ` +
    `after our first byte ${f(median(ours(ms)))} ms; the app's mark before that frame ${f(shown(ms))} ms`;
  const cpu = (name: string, ms: Milestones[]) =>
    `  ${name}, renderer main thread until painted: CPU ${ms.map((x) => f(x.cpu!)).join(', ')} ms (median ${f(median(ms.map((x) => x.cpu!)))}); ` +
    `longest tasks (wall) ${ms.map((x) => x.longest!.map(f).join('/')).join(', ')} ms`;
  const bare = (name: string, b: { coop: Bare; plain: Bare }, ms: Milestones[]) =>
    `  Chromium's part, ${name}: a page of one small module script and a word runs its script ${f(b.coop.script)} ms and paints ${f(b.coop.painted)} ms after navigation start ` +
    `with our headers, ${f(b.plain.script)} and ${f(b.plain.painted)} ms without COOP same-origin (medians)` +
    (Number.isNaN(b.coop.fromCommand) ? '' : `; from the command ${f(b.coop.fromCommand!)} and ${f(b.plain.fromCommand!)} ms`) +
    `; the runs view's first row paints ${f(median(painted(ms)) - b.coop.painted)} ms after that word`;
  const plainLine = (name: string, c: PlainCase) => {
    const m = (v: PlainOpening[], key: keyof PlainOpening) => f(median(v.map((x) => x[key] as number)));
    const early = [...c.runs, ...c.coop, ...c.plain].filter((x) => x.early).length;
    return (
      `    ${name}: runs view painted ${c.runs.map((x) => f(x.painted)).join(', ')} (median ${m(c.runs, 'painted')}, ${verdict(median(c.runs.map((x) => x.painted)))}) after navigation start, ` +
      `${m(c.runs, 'fromCommand')} from the command (navigation start ${m(c.runs, 'toStart')} after it); ` +
      `the bare page paints ${m(c.coop, 'painted')} (from the command ${m(c.coop, 'fromCommand')}) with our headers, ${m(c.plain, 'painted')} (${m(c.plain, 'fromCommand')}) without COOP` +
      (early ? `; asked before the paint in ${early} tabs` : '')
    );
  };
  const toStart = (ms: Milestones[]) => ms.map((x) => x.commandToStart!);
  const fromCommand = (ms: Milestones[]) => ms.map((x) => x.commandToStart! + x.painted);
  const range = (v: number[]) => `${f(median(v))} (${Math.min(...v).toFixed(1)} to ${Math.max(...v).toFixed(1)})`;
  const lines = [
    `runs view with ${rowCount}, first rows on screen (the first row painted)   target < 500 ms:`,
    `  in the app, from another view: ${inAppPainted.map((v) => v.toFixed(1)).join(', ')} ms (median ${median(inAppPainted).toFixed(1)}, ${verdict(median(inAppPainted))}); the frame with the rows begins ${median(inApp).toFixed(1)} ms`,
    loads('reload, after navigation start', reloads),
    loads('fresh tab (a new tab in an open window), after navigation start', fresh.tab),
    loads('the printed link opened from another app (the browser makes a new tab with that URL in an open window; token redirect), after navigation start', fresh.link),
    `    the same from the command (Node's clock before Target.createTarget to the page's timeOrigin + the paint): ${fromCommand(fresh.link).map(f).join(', ')} ms ` +
      `(median ${f(median(fromCommand(fresh.link)))}, ${verdict(median(fromCommand(fresh.link)))})`,
    `    clocks: navigation start came ${range(toStart(fresh.tab))} ms after Node's goto in a fresh tab (the two clocks agree if this is small and not negative), ` +
      `${range(toStart(fresh.link))} ms after the command that opened the link (with Playwright's hold of a new tab until its session is set up)` +
      (early.length ? `; evaluated before the paint in ${early.join(', ')}` : ''),
    loads('fresh tab in a new window (Chromium also starts the window), after navigation start', fresh.window),
    loads('new tab of a returning visitor (an open window, the browser\'s caches warm from two earlier visits), after navigation start', fresh.returning),
    `  where the time goes (medians, ms after navigation start; before the first byte: the browser and the server):`,
    row('reload', reloads),
    row('fresh tab', fresh.tab),
    row('link', fresh.link),
    row('new window', fresh.window),
    row('returning', fresh.returning),
    cpu('fresh tab', fresh.tab),
    cpu('link', fresh.link),
    cpu('new window', fresh.window),
    cpu('returning', fresh.returning),
    bare('fresh tab', bareTab, fresh.tab),
    bare('the link from another app', bareLink, fresh.link),
    bare('new window', bareWindow, fresh.window),
    `  the same without Playwright (plain CDP to a Chromium of its own; nothing holds the new tab or attaches to it until it has painted), medians of ${rounds}, ms:`,
    plainLine('the printed link opened from another app (a new tab with that URL)', plainCases.link),
    plainLine('the printed link typed into a blank tab that is up', plainCases.tab),
    `  (all the runs loaded ${allLoaded} ms after a reload's first rows, in pages of 2,500, while the table stays usable)`,
  ];
  return { lines, rowCount };
}
