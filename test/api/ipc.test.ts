/**
 * The Electron transport with a fake ipcMain: the same dispatch as the WebSocket server,
 * refused for frames other than our window's main frame, with the same size limit and
 * schema checks; events go to the sending window; save requests never take a path.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_LIMITS, base64ToBytes, bytesToBase64 } from '../../src-api';
import { CHANNELS, registerIpc } from '../../src-main/electron/ipc';
import { type ApiFixture, FakeIpcMain, openApi, planarConfig } from './helpers';


const APP_URL = 'file:///app/out/renderer/index.html';

class FakeWebContents {
  id = 1;
  sent: { channel: string; text: string }[] = [];
  private destroyedListeners: (() => void)[] = [];
  destroyed = false;
  send(channel: string, text: string) {
    this.sent.push({ channel, text });
  }
  isDestroyed() {
    return this.destroyed;
  }
  once(event: string, listener: () => void) {
    if (event === 'destroyed') this.destroyedListeners.push(listener);
  }
  destroy() {
    this.destroyed = true;
    for (const l of this.destroyedListeners) l();
  }
}

function event(sender: FakeWebContents, url = APP_URL, parent: unknown = null) {
  return { sender, senderFrame: { url, parent } };
}

let f: ApiFixture;
let ipc: FakeIpcMain;
let saved: { name: string; bytes: Uint8Array }[];
let unregister: () => void;

beforeEach(() => {
  f = openApi();
  ipc = new FakeIpcMain();
  saved = [];
  unregister = registerIpc(ipc as never, {
    api: f.api,
    isTrustedUrl: (url) => url === APP_URL,
    saveFile: async (_sender, name, bytes) => {
      saved.push({ name, bytes });
      return `/chosen/${name}`;
    },
    openFile: async () => '/home/me/data/flowers.csv',
  });
});
afterEach(async () => {
  unregister();
  await f.close();
});

const request = async (sender: FakeWebContents, message: unknown, ev = event(sender)) =>
  JSON.parse((await ipc.invoke(CHANNELS.request, ev, typeof message === 'string' ? message : JSON.stringify(message))) as string);

describe('IPC transport', () => {
  it('answers requests from our window', async () => {
    const wc = new FakeWebContents();
    const response = await request(wc, { id: 1, method: 'server.info', params: {} });
    expect(response).toMatchObject({ id: 1, ok: true, result: { storeDir: f.store.dir } });
  });

  it('refuses other pages and subframes', async () => {
    const wc = new FakeWebContents();
    await expect(request(wc, { id: 1, method: 'server.info', params: {} }, event(wc, 'https://evil.example/'))).rejects.toThrow(/refused/);
    await expect(request(wc, { id: 1, method: 'server.info', params: {} }, event(wc, APP_URL, { url: APP_URL }))).rejects.toThrow(/refused/);
    await expect(ipc.invoke(CHANNELS.save, event(wc, 'https://evil.example/'), { name: 'a.txt', data: '' })).rejects.toThrow(/refused/);
  });

  it('answers malformed, unknown, invalid and oversized messages as errors', async () => {
    const wc = new FakeWebContents();
    expect((await request(wc, 'nope')).error.code).toBe('malformed');
    expect((await request(wc, { id: 2, method: 'fs.read', params: {} })).error.code).toBe('unknown-method');
    expect((await request(wc, { id: 3, method: 'runs.get', params: { id: 5 } })).error.code).toBe('invalid');
    const big = { id: 4, method: 'runs.update', params: { id: 'x', notes: 'x'.repeat(API_LIMITS.maxRequestBytes) } };
    expect((await request(wc, big)).error.code).toBe('too-large');
    // A non-string argument (a renderer bypassing the preload) is malformed too.
    const raw = JSON.parse((await ipc.invoke(CHANNELS.request, event(wc), { id: 1, method: 'server.info' })) as string);
    expect(raw.error.code).toBe('malformed');
  });

  it('sends a window its events, and stops when the window is destroyed', async () => {
    const wc = new FakeWebContents();
    const before = f.api.hub.size;
    const started = await request(wc, { id: 1, method: 'runs.start', params: { config: planarConfig() } });
    expect(f.api.hub.size).toBe(before + 1);
    await f.api.trainer.wait(started.result.id);
    await new Promise((r) => setTimeout(r, 50));
    const events = wc.sent.filter((m) => m.channel === CHANNELS.events).flatMap((m) => JSON.parse(m.text).events);
    expect(events.filter((e: { type: string }) => e.type === 'run.status').map((e: { status: string }) => e.status)).toEqual(['queued', 'running', 'completed']);
    wc.destroy();
    expect(f.api.hub.size).toBe(before);
  });

  it('grants the API the one file chosen in the open dialog', async () => {
    const wc = new FakeWebContents();
    expect(f.api.files.allowed('/home/me/data/flowers.csv')).toBe(false);
    expect(await ipc.invoke(CHANNELS.open, event(wc))).toBe('/home/me/data/flowers.csv');
    expect(f.api.files.allowed('/home/me/data/flowers.csv')).toBe(true);
    expect(f.api.files.allowed('/home/me/data/other.csv')).toBe(false);
    await expect(ipc.invoke(CHANNELS.open, event(wc, 'https://evil.example/'))).rejects.toThrow(/refused/);
  });

  it('saves through the dialog with a file name, never a path', async () => {
    const wc = new FakeWebContents();
    const data = bytesToBase64(new Uint8Array([1, 2, 3]));
    expect(await ipc.invoke(CHANNELS.save, event(wc), { name: 'model.onnx', data })).toEqual({ saved: true, path: '/chosen/model.onnx' });
    expect(base64ToBytes(bytesToBase64(saved[0].bytes))).toEqual(new Uint8Array([1, 2, 3]));
    const bad = (await ipc.invoke(CHANNELS.save, event(wc), { name: '../../.bashrc', data })) as { saved: boolean; error: string };
    expect(bad.saved).toBe(false);
    expect(bad.error).toMatch(/file name, not a path/);
    expect(((await ipc.invoke(CHANNELS.save, event(wc), { name: 'a', data, path: '/etc' })) as { saved: boolean }).saved).toBe(false);
    expect(saved).toHaveLength(1);
  });
});
