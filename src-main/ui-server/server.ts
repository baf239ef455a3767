/**
 * The browser transport of the API: `layerlab ui` serves the built renderer over HTTP and
 * the API over a WebSocket at /api, on 127.0.0.1 only. Every request needs the token:
 * `GET /?token=…` trades it for an HttpOnly, SameSite=Strict cookie and redirects to `/`,
 * so the token leaves the address bar; anything without a valid token gets 401.
 * WebSocket messages are limited in size (a larger one closes the socket with 1009) and
 * each goes through the API's dispatch, which checks it against the method's schema.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { API_LIMITS } from '../../src-api/schemas';
import { responseText } from '../api/raw-json';
import type { LayerlabApi } from '../api/service';
import { MAX_IMPORT_BYTES, inspectFile, saveImport } from '../api/imports';
import { COOKIE, cookie, hostAllowed, newToken, originAllowed, requestToken, tokensEqual } from './auth';
import { PRELOAD_ELEMENT, type Preloaded, RUNS_FIRST_PAGE, THEME_COOKIE, type Theme, asTheme } from '../../src-api/run-columns';
import { listRunColumns } from '../api/runs-list';
import { loadFirstView } from './first-view';
import { jsonDataBlock, securityHeaders, serveFile, serveIndex } from './static-files';

export interface UiServerOptions {
  api: LayerlabApi;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); default a new random one. */
  token?: string;
}

export interface UiServer {
  port: number;
  token: string;
  /** The address to open, with the token. */
  url: string;
  /** Why pages come without their first view rendered (the app renders it), or null. */
  firstViewProblem: string | null;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Bytes queued on a WebSocket past which live boundary pictures are skipped. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const token = options.token ?? newToken();
  const { api, rendererDir } = options;
  // The renderer's server build sits beside its browser build (the same sources).
  const firstView = await loadFirstView(join(rendererDir, '..', 'first-view'));
  let port = 0;

  const authorized = (req: IncomingMessage) => tokensEqual(requestToken(req), token);

  const server: Server = createServer((req, res) => {
    void handleHttp(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('internal error\n');
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    if (!hostAllowed(req, port)) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Layerlab answers only at 127.0.0.1 and localhost\n');
      return;
    }
    if (req.method === 'POST' && new URL(req.url ?? '/', `http://${HOST}`).pathname === '/import') {
      await handleImport(req, res);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD, POST /import', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    if (!authorized(req)) {
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' }).end(
        'Layerlab needs its access token: open the address that `layerlab ui` printed (…/?token=…).\n',
      );
      return;
    }
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (url.searchParams.has('token')) {
      // Trade the token in the address for a cookie, then drop it from the address.
      url.searchParams.delete('token');
      res.setHeader('Set-Cookie', `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
      res.writeHead(302, { Location: url.pathname + url.search }).end();
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const theme = asTheme(cookie(req, THEME_COOKIE));
      await serveIndex(rendererDir, { theme, parts: () => firstPage(theme ?? 'light') }, res);
      return;
    }
    await serveFile(rendererDir, url.pathname, res);
  }

  /**
   * The runs view's first page, for the page's HTML (src-api/run-columns.ts, RUNS_FIRST_PAGE):
   * as data, so that a tab opening on the runs table has its runs without waiting for its
   * WebSocket, and rendered (first-view.ts), so that it shows them before the app's code
   * has run. If the store cannot list now, neither: the page asks over the WebSocket and
   * shows the error. If the rendering fails, the app renders the rows.
   */
  function firstPage(theme: Theme): { head: string; app: string } {
    let preloaded: Preloaded;
    try {
      const result = listRunColumns(api.store, RUNS_FIRST_PAGE, new Map(), (id) => api.trainer.unrecorded(id));
      preloaded = { method: 'runs.table', params: RUNS_FIRST_PAGE, result };
    } catch {
      return { head: '', app: '' };
    }
    let app = '';
    try {
      app = firstView.render?.(preloaded, theme) ?? '';
    } catch (error) {
      if (!firstViewFailed) console.warn(`layerlab ui: the runs view is rendered in the browser only: ${(error as Error).message}`);
      firstViewFailed = true;
    }
    return { head: jsonDataBlock(PRELOAD_ELEMENT, preloaded), app };
  }
  let firstViewFailed = false;

  /**
   * POST /import: a data file chosen in the browser (the page has no paths). Needs the
   * token, our own Origin and the X-Layerlab-Name header (which a cross-site form cannot
   * send); saved under the store's imports folder; answers with what the file holds.
   */
  async function handleImport(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!authorized(req)) return json(401, { error: 'Layerlab needs its access token' });
    if (!originAllowed(req, port) || req.headers.origin === undefined) return json(403, { error: 'imports come from the Layerlab page only' });
    const name = req.headers['x-layerlab-name'];
    if (typeof name !== 'string' || name === '') return json(400, { error: 'X-Layerlab-Name (the file name) is required' });
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (!(declared >= 0) || declared > MAX_IMPORT_BYTES) return json(413, { error: `a file may be at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB` });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_IMPORT_BYTES) return json(413, { error: 'the file is too large' });
      chunks.push(chunk as Buffer);
    }
    try {
      const file = saveImport(api.store.dir, decodeURIComponent(name), new Uint8Array(Buffer.concat(chunks)));
      json(200, await inspectFile(file));
    } catch (error) {
      json(400, { error: (error as Error).message });
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: API_LIMITS.maxRequestBytes });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/api') return refuse(404, 'Not Found');
    if (!hostAllowed(req, port) || !originAllowed(req, port)) return refuse(403, 'Forbidden');
    if (!authorized(req)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws));
  });

  function connect(ws: WebSocket): void {
    const connection = api.connect({
      send: (events) => {
        if (ws.readyState !== ws.OPEN) return;
        // A page that cannot keep up (a background tab, a slow link) skips boundary
        // pictures, which the next one replaces anyway; progress and statuses still go.
        const behind = ws.bufferedAmount > MAX_BUFFERED_BYTES;
        const batch = behind ? events.filter((e) => e.type !== 'run.boundary') : events;
        if (batch.length > 0) ws.send(JSON.stringify({ events: batch }));
      },
    });
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? null : data.toString();
      void connection
        .dispatch(text as string)
        .then((response) => {
          if (ws.readyState === ws.OPEN) ws.send(responseText(response));
        });
    });
    ws.on('close', () => connection.close());
    ws.on('error', () => connection.close());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // The first listing of a store reads its pages from the disk and prepares its statements
  // (about 200 ms on 10,000 runs), and the first rendering compiles its code; done now, the
  // first page the user opens does not wait.
  setImmediate(() => firstPage('light'));

  return {
    port,
    token,
    firstViewProblem: firstView.problem,
    url: `http://${HOST}:${port}/?token=${token}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
