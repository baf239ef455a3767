/**
 * Whether this page's first view came rendered from `layerlab ui` (src-renderer/first-view.ts,
 * on the server), so that the app's first render, which hydrates it, renders the same.
 */
export const firstView = { serverRendered: false };

/**
 * The height of the runs table's body (px) that the server renders rows for; the page
 * corrects it once laid out. Enough rows for a full-height window on a 1080-pixel screen.
 */
export const SERVER_BODY_HEIGHT = 900;

/**
 * Runs `fn` once, after the browser's next paint: in a task after the next animation frame.
 * A tab in the background draws no frames, so at most 200 ms later in any case.
 */
export function afterNextPaint(fn: () => void): void {
  let done = false;
  const once = () => {
    if (!done) fn();
    done = true;
  };
  requestAnimationFrame(() => setTimeout(once, 0));
  setTimeout(once, 200);
}
