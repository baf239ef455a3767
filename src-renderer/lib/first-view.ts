/**
 * Whether this page's first view came rendered from `layerlab ui` (src-renderer/first-view.ts,
 * on the server), so that the app's first render, which hydrates it, renders the same.
 */
export const firstView = { serverRendered: false };

/**
 * Whether this code runs in `layerlab ui`, rendering the first view (no window, no
 * address, no DOM): the modules that the runs view imports do nothing browser-only then.
 */
export const onServer = typeof window === 'undefined';

/**
 * The height of the runs table's body (px) that the server renders rows for; the page
 * corrects it once laid out. Enough rows for a full-height window on a 1080-pixel screen.
 */
export const SERVER_BODY_HEIGHT = 900;

/** The `elementtiming` name of the runs table's first row (the benchmark reads it too). */
export const FIRST_ROW_TIMING = 'runs-first-row';

/**
 * Runs `fn` once the element with `elementtiming="<identifier>"` has been presented on
 * screen (Element Timing); where that is not reported (a browser without Element Timing,
 * a tab in the background) after the next paint, and after 400 ms at the latest.
 */
export function afterShown(identifier: string, fn: () => void): void {
  let done = false;
  const once = () => {
    if (!done) fn();
    done = true;
  };
  setTimeout(once, 400);
  if (!PerformanceObserver.supportedEntryTypes?.includes('element')) {
    requestAnimationFrame(() => setTimeout(once, 0));
    return;
  }
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some((e) => (e as PerformanceEntry & { identifier?: string }).identifier === identifier)) return;
    observer.disconnect();
    setTimeout(once, 0);
  });
  observer.observe({ type: 'element', buffered: true });
}
