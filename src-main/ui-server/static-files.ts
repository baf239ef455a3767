/**
 * Serving the built renderer: files under one folder only, with their content types and
 * the security headers (a strict CSP: our own scripts and styles, no inline scripts,
 * WebSocket only to ourselves, nothing remote).
 */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { SERVER_RENDERED_ATTRIBUTE, type Theme } from '../../src-api/run-columns';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The Content-Security-Policy of every page: also in index.html for Electron. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

/** The file for a URL path inside `root`, or null if it would leave it. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = normalize(join(root, decoded === '/' ? 'index.html' : decoded));
  return file === root || file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

/**
 * Vite's output under assets/ is named by its content's hash, so a file there never
 * changes: kept in memory once read, a fresh tab's scripts are answered without going to
 * the disk (two thread-pool round trips each, which a busy machine stretches).
 */
const immutable = new Map<string, Buffer>();

export async function serveFile(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  const file = resolveInside(root, urlPath);
  let bytes: Buffer | null = file === null ? null : (immutable.get(file) ?? null);
  if (file && !bytes) {
    try {
      if ((await stat(file)).isFile()) bytes = await readFile(file);
    } catch {
      bytes = null;
    }
    if (bytes && isHashed(root, file)) immutable.set(file, bytes);
  }
  if (!bytes) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  const type = TYPES[extname(file!)] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': bytes.length,
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'private, max-age=3600',
  });
  res.end(bytes);
}

/** Whether `file` is one of Vite's content-hashed outputs (assets/<name>-<hash>.<ext>). */
function isHashed(root: string, file: string): boolean {
  return file.startsWith(join(root, 'assets') + sep) && /-[\w-]{8}\.(js|css)$/.test(file);
}

/**
 * A Link header that has the browser fetch the page's first scripts and stylesheet as soon
 * as the page's response arrives, before the HTML is parsed (`rel=modulepreload` and
 * `rel=preload`, with the same CORS mode as the tags, so the fetches are the ones the tags
 * use): the entry module, the chunks Vite marked for preloading, the stylesheets.
 */
export function firstFilesLink(html: string): string {
  const links: string[] = [];
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]+)"`).exec(tag)?.[1];
  for (const [tag] of html.matchAll(/<(?:script|link)\b[^>]*>/g)) {
    const src = attr(tag, 'src') ?? attr(tag, 'href');
    if (!src || !src.startsWith('./assets/')) continue;
    const crossorigin = /\scrossorigin\b/.test(tag) ? '; crossorigin' : '';
    if (tag.startsWith('<script') && /\stype="module"/.test(tag)) links.push(`<${src}>; rel=modulepreload`);
    else if (/\srel="modulepreload"/.test(tag)) links.push(`<${src}>; rel=modulepreload`);
    else if (/\srel="stylesheet"/.test(tag)) links.push(`<${src}>; rel=preload; as=style${crossorigin}`);
  }
  return links.join(', ');
}

/** What a request's page adds to index.html. */
export interface PageAdditions {
  /** The theme the page is rendered in, as `<html data-theme>`; null leaves it to the app. */
  theme: Theme | null;
  /**
   * Made once the page's start has gone out: HTML for the end of its <head>, and the
   * server-rendered first view for its `#app` ('' for none; else `#app` is marked
   * SERVER_RENDERED_ATTRIBUTE).
   */
  parts(): { head: string; app: string };
}

/**
 * The app's page (index.html) with `page`'s additions: made per request, never cached. The
 * headers (with the Link header of the first files) and the page up to the end of its
 * <head> go out before `page.parts()` runs, so that the browser starts the page's renderer
 * and its first fetches while the server makes the rest. Unlike a file, a missing
 * index.html is a 500 with what to do.
 */
export async function serveIndex(root: string, page: PageAdditions, res: ServerResponse): Promise<void> {
  let html: string;
  try {
    html = await readFile(join(root, 'index.html'), 'utf8');
  } catch {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${join(root, 'index.html')} is missing: build the renderer (npm run build)\n`);
    return;
  }
  const link = firstFilesLink(html);
  res.writeHead(200, { 'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store', ...(link ? { Link: link } : {}) });
  if (page.theme) html = html.replace(/<html\b/, `<html data-theme="${page.theme}"`);
  const at = html.indexOf('</head>');
  if (at < 0) {
    res.end(html + page.parts().head);
    return;
  }
  res.write(html.slice(0, at));
  const { head, app } = page.parts();
  const rest = app ? html.slice(at).replace(APP_ELEMENT, `<div id="app" ${SERVER_RENDERED_ATTRIBUTE}>${app}</div>`) : html.slice(at);
  res.end(head + rest);
}

/** The app's empty element in index.html. */
const APP_ELEMENT = '<div id="app"></div>';

/**
 * A JSON value as an HTML data block (`<script type="application/json" id=…>`), which the
 * page reads and never runs (the CSP's script-src does not apply to it). Every `<` is
 * escaped, so no text inside can close the element.
 */
export function jsonDataBlock(id: string, value: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`;
}
