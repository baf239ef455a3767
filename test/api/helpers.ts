/** A temporary store with the API over it, and a typed in-memory client, for API tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, type Transport } from '../../src-api/client';
import type { ApiEvent } from '../../src-api/schemas';
import { LayerlabApi } from '../../src-main/api/service';
import { RunStore } from '../../src-main/store';

export interface ApiFixture {
  dir: string;
  store: RunStore;
  api: LayerlabApi;
  client: ApiClient;
  events: ApiEvent[];
  /** Sends raw text through the connection's dispatch. */
  raw(text: string): Promise<unknown>;
  close(): Promise<void>;
}

export function openApi(options: { batchMs?: number } = {}): ApiFixture {
  const dir = mkdtempSync(join(tmpdir(), 'layerlab-api-'));
  const store = RunStore.open(dir);
  const api = new LayerlabApi({ store, transport: 'memory', batchMs: options.batchMs ?? 5 });
  const listeners = new Set<(m: unknown) => void>();
  const events: ApiEvent[] = [];
  const connection = api.connect({
    send: (batch) => {
      events.push(...batch);
      // Through JSON, as a transport would carry it.
      const message = JSON.parse(JSON.stringify({ events: batch })) as unknown;
      for (const l of listeners) l(message);
    },
  });
  const transport: Transport = {
    request: async (message) => JSON.parse(JSON.stringify(await connection.dispatch(JSON.stringify(message)))),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    dir,
    store,
    api,
    client: new ApiClient(transport),
    events,
    raw: (text) => connection.dispatch(text),
    async close() {
      connection.close();
      await api.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A small planar config that trains in well under a second. */
export function planarConfig(overrides: { hidden?: number[]; iterations?: number; name?: string } = {}) {
  return {
    name: overrides.name ?? 'planar test',
    data: { train: { generator: 'planar' as const, m: 200, seed: 1 }, test_fraction: 0.25 },
    model: { hidden: overrides.hidden ?? [4], activation: 'tanh' as const },
    train: { learning_rate: 1.2, iterations: overrides.iterations ?? 300, log_every: 50 },
  };
}

type IpcHandler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

/** Electron's ipcMain as far as registerIpc uses it: handlers by channel, one each. */
export class FakeIpcMain {
  handlers = new Map<string, IpcHandler>();
  handle(channel: string, handler: IpcHandler) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: unknown, ...args: unknown[]) {
    return this.handlers.get(channel)!(event, ...args);
  }
}
