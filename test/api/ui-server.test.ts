/**
 * The browser transport: `layerlab ui`'s HTTP and WebSocket server. Access needs the token
 * (401 without), only 127.0.0.1/localhost Host and Origin are served, messages are checked
 * (malformed ones answered, oversized ones close the socket), and events arrive batched.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_LIMITS, API_METHODS, type Result } from '../../src-api';
import { type Preloaded, RUNS_FIRST_PAGE, tableRows } from '../../src-api/run-columns';
import { type UiServer, startUiServer } from '../../src-main/ui-server/server';
import { type ApiFixture, openApi, planarConfig } from './helpers';

let f: ApiFixture;
let server: UiServer;
let site: string;

beforeEach(async () => {
  f = openApi();
  site = mkdtempSync(join(tmpdir(), 'layerlab-site-'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>Layerlab</title>');
  mkdirSync(join(site, 'assets'));
  writeFileSync(join(site, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(site, '..', `secret-${process.pid}.txt`), 'secret');
  server = await startUiServer({ api: f.api, rendererDir: site });
});
afterEach(async () => {
  await server.close();
  await f.close();
  rmSync(site, { recursive: true, force: true });
  rmSync(join(site, '..', `secret-${process.pid}.txt`), { force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function open(path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function next(ws: WebSocket, match: (m: any) => boolean = () => true): Promise<any> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString());
      if (match(message)) {
        ws.off('message', on);
        resolve(message);
      }
    };
    ws.on('message', on);
  });
}

const origin = () => ({ origin: `http://127.0.0.1:${server.port}` });

describe('HTTP', () => {
  it('prints an address with a long random token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{43}$`));
  });

  it('answers 401 without the token, and with a wrong one', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/assets/app.js')).status).toBe(401);
    expect((await get(`/?token=${server.token.slice(0, -1)}x`)).status).toBe(401);
    expect((await get('/', { cookie: 'layerlab_token=nope' })).status).toBe(401);
    expect((await get('/')).body).toMatch(/open the address that `layerlab ui` printed/);
  });

  it('trades the token for an HttpOnly cookie and drops it from the address', async () => {
    const first = await get(`/?token=${server.token}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/^layerlab_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    const page = await get('/', { cookie: cookie.split(';')[0] });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Layerlab</title>');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect((await get('/assets/app.js', { cookie: cookie.split(';')[0] })).headers['content-type']).toMatch(/javascript/);
  });

  it('sends the runs view’s first page inside the page, as runs.table answers it, safe as HTML', async () => {
    writeFileSync(join(site, 'index.html'), '<!doctype html><html><head><title>Layerlab</title></head><body></body></html>');
    const id = f.store.createRun({ name: '</script><script>alert(1)</script> <!-- run', config: JSON.stringify(planarConfig()), tags: ['a<b'] });
    const cookie = `layerlab_token=${server.token}`;
    const page = await get('/', { cookie });
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    const match = /<script type="application\/json" id="layerlab-preload">([^<]*)<\/script><\/head>/.exec(page.body);
    expect(match, page.body).not.toBeNull();
    // Nothing inside can close the element or open a comment: every < is escaped.
    expect(match![1]).not.toContain('<');
    const preloaded = JSON.parse(match![1]) as Preloaded;
    expect(preloaded).toMatchObject({ method: 'runs.table', params: RUNS_FIRST_PAGE });
    const answer = preloaded.result as Result<'runs.table'>;
    expect(API_METHODS['runs.table'].result.safeParse(answer).success).toBe(true);
    const expected = await f.client.call('runs.table', RUNS_FIRST_PAGE);
    expect(tableRows(answer.columns)).toEqual(tableRows(expected.columns));
    expect(tableRows(answer.columns)[0]).toMatchObject({ id, name: '</script><script>alert(1)</script> <!-- run', tags: ['a<b'] });
    // The same page at /index.html; other files as they are.
    expect((await get('/index.html', { cookie })).body).toContain('id="layerlab-preload"');
    expect((await get('/assets/app.js', { cookie })).body).toBe('console.log(1)');
  });

  it('names the page’s first scripts and stylesheet in a Link header, fetched as its tags fetch them', async () => {
    writeFileSync(
      join(site, 'index.html'),
      '<!doctype html><html><head><title>Layerlab</title>' +
        '<script type="module" crossorigin src="./assets/index-C80vdDUP.js"></script>' +
        '<link rel="modulepreload" crossorigin href="./assets/preload-helper--WdXBXfo.js">' +
        '<link rel="stylesheet" crossorigin href="./assets/index-CCMUpyoe.css">' +
        '<link rel="icon" href="./favicon.svg" /></head><body></body></html>',
    );
    const page = await get('/', { cookie: `layerlab_token=${server.token}` });
    expect(page.headers.link).toBe(
      '<./assets/index-C80vdDUP.js>; rel=modulepreload, <./assets/preload-helper--WdXBXfo.js>; rel=modulepreload, ' +
        '<./assets/index-CCMUpyoe.css>; rel=preload; as=style; crossorigin',
    );
    // A page without such tags gets none.
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>Layerlab</title>');
    expect((await get('/', { cookie: `layerlab_token=${server.token}` })).headers.link).toBeUndefined();
  });

  it('serves a content-hashed asset from memory once read, and other files as they are now', async () => {
    const cookie = `layerlab_token=${server.token}`;
    writeFileSync(join(site, 'assets', 'chunk-AbCd12_-.js'), 'export const a = 1;');
    expect((await get('/assets/chunk-AbCd12_-.js', { cookie })).body).toBe('export const a = 1;');
    // Vite never rewrites a hashed name; if something did, the first bytes stay served.
    writeFileSync(join(site, 'assets', 'chunk-AbCd12_-.js'), 'export const a = 2;');
    expect((await get('/assets/chunk-AbCd12_-.js', { cookie })).body).toBe('export const a = 1;');
    writeFileSync(join(site, 'assets', 'app.js'), 'console.log(2)');
    expect((await get('/assets/app.js', { cookie })).body).toBe('console.log(2)');
  });

  it('refuses a foreign Host (DNS rebinding) and paths outside the renderer', async () => {
    expect((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(421);
    const cookie = `layerlab_token=${server.token}`;
    expect((await get(`/../secret-${process.pid}.txt`, { cookie })).status).toBe(404);
    expect((await get(`/%2e%2e/secret-${process.pid}.txt`, { cookie })).status).toBe(404);
    expect((await get('/nope.js', { cookie })).status).toBe(404);
  });
});

function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path, method: 'POST', headers: { host: `127.0.0.1:${server.port}`, 'content-length': String(Buffer.byteLength(body)), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('imports', () => {
  const csv = ['x1,x2,label', ...Array.from({ length: 60 }, (_, i) => `${Math.cos(i)},${Math.sin(i)},${i % 2}`)].join('\n');

  it('takes a data file only with the token, our Origin and a file name', async () => {
    const cookie = `layerlab_token=${server.token}`;
    expect((await post('/import', csv, { origin: origin().origin, 'x-layerlab-name': 'd.csv' })).status).toBe(401);
    expect((await post('/import', csv, { cookie, origin: 'http://evil.example', 'x-layerlab-name': 'd.csv' })).status).toBe(403);
    expect((await post('/import', csv, { cookie, 'x-layerlab-name': 'd.csv' })).status).toBe(403);
    expect((await post('/import', csv, { cookie, origin: origin().origin })).status).toBe(400);
    const exe = await post('/import', 'MZ', { cookie, origin: origin().origin, 'x-layerlab-name': 'tool.exe' });
    expect(exe.status).toBe(400);
    expect(exe.body.error).toMatch(/imports .csv, .npy/);
  });

  it('keeps the file in the store, says what it holds, and lets a run use it', async () => {
    const cookie = `layerlab_token=${server.token}`;
    const answer = await post('/import', csv, { cookie, origin: origin().origin, 'x-layerlab-name': encodeURIComponent('../my data.csv') });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ kind: 'csv', columns: ['x1', 'x2', 'label'], header: true });
    expect(answer.body.file.startsWith(join(f.store.dir, 'imports'))).toBe(true);
    expect(answer.body.file).toMatch(/imports\/[0-9a-f]{16}\/my_data\.csv$/);
    expect(answer.body.name).toBe('my_data.csv');
    const info = await f.client.call('datasets.inspect', { file: answer.body.file });
    expect(info.sample[0]).toHaveLength(3);
    await expect(f.client.call('datasets.inspect', { file: '/etc/hostname' })).rejects.toMatchObject({ code: 'invalid' });
    const config = {
      data: { train: { csv: { file: answer.body.file, label: 'label', features: ['x1', 'x2'] } } },
      model: { hidden: [3] },
      train: { learning_rate: 0.5, iterations: 50, log_every: 10 },
    };
    const { id } = await f.client.call('runs.start', { config });
    await f.api.trainer.wait(id);
    expect((await f.client.call('runs.get', { id })).status).toBe('completed');
  });
});

describe('WebSocket', () => {
  it('refuses a connection without the token (401), from another origin or host (403)', async () => {
    await expect(open('/api', origin())).rejects.toThrow('HTTP 401');
    await expect(open('/api?token=wrong', origin())).rejects.toThrow('HTTP 401');
    await expect(open(`/api?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(open(`/api?token=${server.token}`, { ...origin(), host: 'evil.example' })).rejects.toThrow('HTTP 403');
    await expect(open(`/other?token=${server.token}`, origin())).rejects.toThrow('HTTP 404');
  });

  it('answers requests, with the cookie as with the query token', async () => {
    const ws = await open('/api', { ...origin(), cookie: `layerlab_token=${server.token}` });
    ws.send(JSON.stringify({ id: 7, method: 'server.info', params: {} }));
    const response = await next(ws);
    expect(response).toMatchObject({ id: 7, ok: true, result: { transport: 'memory' } });
    ws.close();
  });

  it('answers malformed messages and keeps the connection', async () => {
    const ws = await open(`/api?token=${server.token}`, origin());
    ws.send('not json');
    expect((await next(ws)).error.code).toBe('malformed');
    ws.send(Buffer.from([1, 2, 3]));
    expect((await next(ws)).error.code).toBe('malformed');
    ws.send(JSON.stringify({ id: 1, method: 'runs.get', params: { id: 42 } }));
    expect((await next(ws)).error).toMatchObject({ code: 'invalid', issues: [{ path: 'id' }] });
    ws.send(JSON.stringify({ id: 2, method: 'server.info', params: {} }));
    expect((await next(ws)).ok).toBe(true);
    ws.close();
  });

  it('closes the connection with 1009 on an oversized message', async () => {
    const ws = await open(`/api?token=${server.token}`, origin());
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 1, method: 'runs.update', params: { id: 'x', notes: 'a'.repeat(API_LIMITS.maxRequestBytes) } }));
    expect(await closed).toBe(1009);
  });

  it('streams a run\'s events, batched', async () => {
    const ws = await open(`/api?token=${server.token}`, origin());
    const messages: any[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    ws.send(JSON.stringify({ id: 1, method: 'runs.start', params: { config: planarConfig() } }));
    const started = await next(ws, (m) => m.id === 1);
    await f.api.trainer.wait(started.result.id);
    await new Promise((r) => setTimeout(r, 150));
    const batches = messages.filter((m) => m.events);
    const events = batches.flatMap((m) => m.events);
    expect(events.filter((e) => e.type === 'run.status').map((e) => e.status)).toEqual(['queued', 'running', 'completed']);
    expect(events.flatMap((e) => (e.type === 'run.progress' ? e.entries : [])).length).toBe(7);
    ws.close();
  });
});

describe('the first view rendered into the page', () => {
  let dir: string;
  let renderer: string;
  let withView: UiServer;

  /** A build: index.html as Vite writes it, and a stand-in for the renderer's server build. */
  async function startWith(firstView: string | null): Promise<UiServer> {
    dir = mkdtempSync(join(tmpdir(), 'layerlab-build-'));
    renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html>\n<html lang="en">\n  <head><title>Layerlab</title></head>\n  <body>\n    <div id="app"></div>\n  </body>\n</html>\n');
    if (firstView !== null) {
      mkdirSync(join(dir, 'first-view'));
      writeFileSync(join(dir, 'first-view', 'first-view.mjs'), firstView);
    }
    return startUiServer({ api: f.api, rendererDir: renderer });
  }
  afterEach(async () => {
    await withView?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const STAND_IN = `export const renderFirstView = (page, theme) => '<p>' + page.result.columns.count + ' runs, ' + theme + '</p>';`;

  it('puts the server build’s rendering of the first page into #app, marked, with the page’s data and theme', async () => {
    f.store.createRun({ name: 'one', config: JSON.stringify(planarConfig()) });
    withView = await startWith(STAND_IN);
    expect(withView.firstViewProblem).toBeNull();
    const cookie = `layerlab_token=${withView.token}`;
    const page = await getFrom(withView, '/', { cookie });
    expect(page.body).toContain('<div id="app" data-server-rendered><p>1 runs, light</p></div>');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('id="layerlab-preload"');
    // The theme the page saved in its cookie: on <html>, and to the rendering.
    const dark = await getFrom(withView, '/', { cookie: `${cookie}; layerlab_theme=dark` });
    expect(dark.body).toContain('<html data-theme="dark" lang="en">');
    expect(dark.body).toContain('<p>1 runs, dark</p>');
    // Anything else in that cookie is ignored.
    const odd = await getFrom(withView, '/', { cookie: `${cookie}; layerlab_theme=%22%3E%3Cscript%3E` });
    expect(odd.body).toContain('<html lang="en">');
    expect(odd.body).toContain('<p>1 runs, light</p>');
  });

  it('leaves #app to the app when the rendering throws, is not built, or does not load; the data still comes', async () => {
    for (const [build, problem] of [
      [`export const renderFirstView = () => { throw new Error('boom'); };`, null],
      [null, /first-view\.mjs is missing: run 'npm run build'/],
      ['export const somethingElse = 1;', /exports no renderFirstView/],
      ['this is not JavaScript', /did not load/],
    ] as const) {
      withView = await startWith(build);
      if (problem) expect(withView.firstViewProblem).toMatch(problem);
      const page = await getFrom(withView, '/', { cookie: `layerlab_token=${withView.token}` });
      expect(page.status).toBe(200);
      expect(page.body).toContain('<div id="app"></div>');
      expect(page.body).toContain('id="layerlab-preload"');
      await withView.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function getFrom(target: UiServer, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: target.port, path, headers: { host: `127.0.0.1:${target.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
