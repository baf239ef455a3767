/**
 * The runs view's first rows as HTML, rendered here from the same first page of runs that
 * the page carries as data: a new browser tab paints them as soon as the HTML and the
 * stylesheet are in, before the app's scripts have been fetched, compiled and run (the
 * app then hydrates them: src-renderer/app.ts). The renderer's server build does the
 * rendering (src-renderer/first-view.ts, built by `npm run build` into out/first-view/):
 * this process only loads it from the build, like the rest of the built renderer, and
 * never imports the renderer's sources.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RenderFirstView } from '../../src-api/run-columns';

/** The server build's entry, in its folder. */
const ENTRY = 'first-view.mjs';

/**
 * The renderer's first-view function from the build in `dir`; null when it is not built or
 * does not load (the page then has no rows in its HTML, and the app renders them).
 */
export async function loadFirstView(dir: string): Promise<{ render: RenderFirstView | null; problem: string | null }> {
  const file = join(dir, ENTRY);
  if (!existsSync(file)) return { render: null, problem: `${file} is missing: run 'npm run build'` };
  try {
    const module = (await import(pathToFileURL(file).href)) as { renderFirstView?: unknown };
    if (typeof module.renderFirstView !== 'function') return { render: null, problem: `${file} exports no renderFirstView` };
    return { render: module.renderFirstView as RenderFirstView, problem: null };
  } catch (error) {
    return { render: null, problem: `${file} did not load: ${(error as Error).message}` };
  }
}
