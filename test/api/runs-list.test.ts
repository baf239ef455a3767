/**
 * runs.list: rows made as JSON text by the store and spliced into the response
 * (raw-json.ts), the table's sort keys and filters, totals and pages, and the same rows
 * whichever way a response is serialized. runs.table, as the runs view calls it: the same
 * listings as columns, which decode (src-api/run-columns.ts) to runs.list's rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type RunTableRow, tableRows } from '../../src-api/run-columns';
import { API_METHODS } from '../../src-api/methods';
import type { RunRow } from '../../src-api/schemas';
import { RawJson, responseText } from '../../src-main/api/raw-json';
import { CHANNELS, registerIpc } from '../../src-main/electron/ipc';
import { startUiServer } from '../../src-main/ui-server/server';
import { type ApiFixture, openApi } from './helpers';

let f: ApiFixture;
beforeEach(() => {
  f = openApi();
});
afterEach(() => f.close());

/** Records runs straight in the API's store: name, config, optional sweep, tags and one step of metrics. */
function seed() {
  const { store } = f;
  const sweep = store.createSweep({ name: 'Rates', spec: '{}' });
  const make = (name: string, lr: number, hidden: number[], optimizer: string, cost: number | null, extra: { sweepId?: string; tags?: string[] } = {}) => {
    const config = {
      data: { train: { generator: 'planar', m: 200, seed: 1 } },
      model: { hidden, activation: 'tanh' },
      train: { optimizer, learning_rate: lr, iterations: 100 },
    };
    const id = store.createRun({ name, config: JSON.stringify(config), ...extra });
    store.startRun(id);
    if (cost !== null) store.appendMetrics(id, [{ step: 99, key: 'train_cost', value: cost }, { step: 99, key: 'train_accuracy', value: 1 - cost }]);
    store.finishRun(id, 'completed');
    return id;
  };
  return {
    sweep,
    a: make('alpha', 0.5, [4], 'gd', 0.25, { tags: ['best'] }),
    b: make('beta', 0.05, [8, 8], 'adam', 0.5, { sweepId: sweep }),
    c: make('gamma', 1.5, [2], 'momentum', null, { sweepId: sweep, tags: ['best', 'odd'] }),
  };
}

const names = (rows: RunRow[]) => rows.map((r) => r.name);

describe('runs.list', () => {
  it('lists every run newest first, as rows the table shows, with the number of runs', async () => {
    const ids = seed();
    const list = await f.client.call('runs.list', {});
    expect(names(list.runs)).toEqual(['gamma', 'beta', 'alpha']);
    expect(list.total).toBe(3);
    const beta = list.runs[1];
    expect(beta).toMatchObject({
      id: ids.b,
      sweepId: ids.sweep,
      sweepName: 'Rates',
      tags: [],
      hp: { data: 'planar', hidden: [8, 8], activation: 'tanh', optimizer: 'adam', learning_rate: 0.05, steps: 100, unit: 'iteration' },
      metrics: { train_cost: 0.5, train_accuracy: 0.5, test_cost: null, test_accuracy: null, step: 99 },
      deleted: false,
    });
    // The same row as runs.get gives (which builds it from the run itself).
    const detail = await f.client.call('runs.get', { id: ids.b });
    for (const key of Object.keys(beta) as (keyof RunRow)[]) expect(beta[key], key).toEqual(detail[key]);
  });

  it('sorts by the table’s columns and filters in the store, pages and totals included', async () => {
    const ids = seed();
    const list = async (params: Record<string, unknown>) => {
      const result = await f.client.call('runs.list', params);
      return { names: names(result.runs), total: result.total };
    };
    expect(await list({ sortBy: 'learning_rate' })).toEqual({ names: ['beta', 'alpha', 'gamma'], total: 3 });
    expect(await list({ sortBy: 'learning_rate', order: 'desc', limit: 2 })).toEqual({ names: ['gamma', 'alpha'], total: 3 });
    expect(await list({ sortBy: 'hidden' })).toEqual({ names: ['gamma', 'alpha', 'beta'], total: 3 });
    // gamma logged no train_cost: last either way.
    expect(await list({ sortBy: 'train_cost', order: 'desc' })).toEqual({ names: ['beta', 'alpha', 'gamma'], total: 3 });
    expect(await list({ sortBy: 'sweep' })).toEqual({ names: ['beta', 'gamma', 'alpha'], total: 3 });
    expect(await list({ sortBy: 'tags', offset: 1, limit: 1 })).toEqual({ names: ['gamma'], total: 3 });
    // The last page, and a page past the end, still say how many there are.
    expect(await list({ offset: 2, limit: 5 })).toEqual({ names: ['alpha'], total: 3 });
    expect(await list({ offset: 10, limit: 5 })).toEqual({ names: [], total: 3 });
    expect(await list({ sweepId: ids.sweep, sortBy: 'name' })).toEqual({ names: ['beta', 'gamma'], total: 2 });
    expect(await list({ tag: 'best' })).toEqual({ names: ['gamma', 'alpha'], total: 2 });
    expect(await list({ search: 'MOMENTUM' })).toEqual({ names: ['gamma'], total: 1 });
    expect(await list({ search: '[8, 8]' })).toEqual({ names: ['beta'], total: 1 });
    expect(await list({ status: ['failed'] })).toEqual({ names: [], total: 0 });
    await f.client.call('runs.delete', { ids: [ids.a] });
    expect(await list({})).toEqual({ names: ['gamma', 'beta'], total: 2 });
    expect(await list({ deleted: true })).toEqual({ names: ['gamma', 'beta', 'alpha'], total: 3 });
  });

  it('refuses an unknown sort column, naming the field', async () => {
    const response = (await f.raw(JSON.stringify({ id: 1, method: 'runs.list', params: { sortBy: 'config' } }))) as {
      ok: boolean;
      error: { code: string; issues: { path: string }[] };
    };
    expect(response.ok).toBe(false);
    expect(response.error.code).toBe('invalid');
    expect(response.error.issues[0].path).toBe('sortBy');
  });

  it('answers with JSON text the transports splice in as it is, equal to the serialized objects', async () => {
    seed();
    const response = await f.api.connect({ send: () => {} }).dispatch(JSON.stringify({ id: 7, method: 'runs.list', params: { sortBy: 'name' } }));
    expect(response.ok && response.result).toBeInstanceOf(RawJson);
    const text = responseText(response);
    expect(text.startsWith('{"id":7,"ok":true,"result":{"now":')).toBe(true);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(response)));
    expect(names((JSON.parse(text) as { result: { runs: RunRow[] } }).result.runs)).toEqual(['alpha', 'beta', 'gamma']);
    // Errors and other results are serialized as before.
    const error = await f.api.connect({ send: () => {} }).dispatch('{"id": 8, "method": "runs.get", "params": {"id": "nope"}}');
    expect(responseText(error)).toBe(JSON.stringify(error));
  });

  it('reaches the renderer the same through both transports', async () => {
    seed();
    const params = { sortBy: 'learning_rate' as const, limit: 2 };
    const expected = await f.client.call('runs.list', params);

    // The WebSocket of `layerlab ui`.
    const site = mkdtempSync(join(tmpdir(), 'layerlab-site-'));
    writeFileSync(join(site, 'index.html'), '<!doctype html>');
    const server = await startUiServer({ api: f.api, rendererDir: site });
    try {
      const origin = `http://127.0.0.1:${server.port}`;
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { headers: { origin } });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const answer = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
      ws.send(JSON.stringify({ id: 5, method: 'runs.list', params }));
      const message = JSON.parse(await answer) as { id: number; ok: boolean; result: { runs: RunRow[]; total: number } };
      ws.close();
      expect(message).toMatchObject({ id: 5, ok: true, result: { total: 3 } });
      expect(message.result.runs).toEqual(expected.runs);
    } finally {
      await server.close();
      rmSync(site, { recursive: true, force: true });
    }

    // Electron's IPC, with a fake ipcMain and window.
    const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
    const unregister = registerIpc(
      { handle: (channel: string, h: never) => handlers.set(channel, h), removeHandler: (channel: string) => handlers.delete(channel) } as never,
      { api: f.api, isTrustedUrl: () => true, saveFile: async () => null, openFile: async () => null } as never,
    );
    try {
      const sender = { id: 1, send: () => {}, isDestroyed: () => false, once: () => {} };
      const text = (await handlers.get(CHANNELS.request)!({ sender, senderFrame: { url: 'file:///app/index.html', parent: null } }, JSON.stringify({ id: 6, method: 'runs.list', params }))) as string;
      const message = JSON.parse(text) as { id: number; result: { runs: RunRow[] } };
      expect(message.id).toBe(6);
      expect(message.result.runs).toEqual(expected.runs);
    } finally {
      unregister();
    }
  });
});

/** runs.list's row as the runs table's columns carry it. */
function tableRowOf(r: RunRow): RunTableRow {
  const { data, hidden, activation, optimizer, unit, learning_rate, steps } = r.hp;
  const { id, name, status, sweepId, sweepName, createdAt, startedAt, durationMs, tags, notes, metrics, deleted } = r;
  return { id, name, status, sweepId, sweepName, createdAt, startedAt, durationMs, tags, notes, hp: { data, hidden, activation, optimizer, unit, learning_rate, steps }, metrics, deleted };
}

describe('runs.table', () => {
  it('gives runs.list’s listings as columns, for every sort, filter and page', async () => {
    const ids = seed();
    const cases: Record<string, unknown>[] = [
      {},
      { sortBy: 'learning_rate' },
      { sortBy: 'learning_rate', order: 'desc', limit: 2 },
      { sortBy: 'train_cost', order: 'desc' },
      { sortBy: 'tags', offset: 1, limit: 1 },
      { offset: 2, limit: 5 },
      { offset: 10, limit: 5 },
      { sweepId: ids.sweep, sortBy: 'name' },
      { tag: 'best' },
      { search: '[8, 8]' },
      { status: ['failed'] },
    ];
    for (const params of cases) {
      const list = await f.client.call('runs.list', params);
      const table = await f.client.call('runs.table', params);
      expect(tableRows(table.columns), JSON.stringify(params)).toEqual(list.runs.map(tableRowOf));
      expect(table.total, JSON.stringify(params)).toBe(list.total);
    }
    // Literal values, not only runs.list's word: the dictionary, the numbers, the tags.
    const { columns } = await f.client.call('runs.table', { sortBy: 'name' });
    expect(columns.id).toEqual([ids.a, ids.b, ids.c]);
    expect(columns.shared.values.map((v) => [v.optimizer, v.hidden, v.sweepName])).toEqual([
      ['gd', [4], null],
      ['adam', [8, 8], 'Rates'],
      ['momentum', [2], 'Rates'],
    ]);
    expect(columns.tags).toEqual({ rows: [0, 2, 2], tags: ['best', 'best', 'odd'] });
    const rows = tableRows(columns);
    expect(rows.map((r) => [r.hp.learning_rate, r.metrics.train_cost, r.metrics.train_accuracy, r.hp.steps])).toEqual([
      [0.5, 0.25, 0.75, 100],
      [0.05, 0.5, 0.5, 100],
      [1.5, null, null, 100],
    ]);
  });

  it('gives the runs changed since a time, deleted ones marked, as runs.list does', async () => {
    const ids = seed();
    const before = Date.now() - 1;
    await f.client.call('runs.update', { id: ids.b, addTags: ['edited'] });
    await f.client.call('runs.delete', { ids: [ids.a] });
    const list = await f.client.call('runs.list', { since: before });
    const table = await f.client.call('runs.table', { since: before });
    expect(tableRows(table.columns)).toEqual(list.runs.map(tableRowOf));
    expect(tableRows(table.columns).map((r) => [r.id, r.deleted, r.tags])).toEqual(
      expect.arrayContaining([[ids.a, true, ['best']], [ids.b, false, ['edited']]]),
    );
  });

  it('answers what its schema says, and a decoder refuses inconsistent columns, saying where', async () => {
    seed();
    const table = await f.client.call('runs.table', {});
    expect(API_METHODS['runs.table'].result.safeParse(table).success).toBe(true);
    const short = { ...table.columns, name: table.columns.name.slice(1) };
    expect(() => tableRows(short)).toThrow('runs.table: name has 2 values for 3 runs');
    const badCode = { ...table.columns, shared: { ...table.columns.shared, codes: [0, 0, 9] } };
    expect(() => tableRows(badCode)).toThrow('shared.codes[2] is 9');
    const badNumbers = { ...table.columns, numbers: { ...table.columns.numbers, steps: 'AAAA' } };
    expect(() => tableRows(badNumbers)).toThrow('3 bytes are not whole float64 values');
  });
});
