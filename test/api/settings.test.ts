/**
 * The settings methods: where the store is and whether it can be changed, the welcome's
 * dismissal (kept in the store's folder), and the desktop app's store switch driven through
 * a fake ipcMain with fake dialogs. A browser page can neither choose a store nor name a
 * folder; the app opens only what its dialog (or the default) gives, with the store's lock.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src-api';
import { WORKBENCH_FILE, storeSourceOf } from '../../src-main/api/settings';
import { LayerlabApi } from '../../src-main/api/service';
import { CHANNELS } from '../../src-main/electron/ipc';
import { APP_SETTINGS_FILE, Workbench, checkStoreFolder, readAppSettings } from '../../src-main/electron/store-switch';
import { RunStore } from '../../src-main/store';
import { LOCK_FILE } from '../../src-main/store/lock';
import { processStartToken } from '../../src-main/store/owner';
import { type ApiFixture, FakeIpcMain, openApi, planarConfig } from './helpers';

describe('settings in a browser (layerlab ui)', () => {
  let f: ApiFixture;
  beforeEach(() => {
    f = openApi();
  });
  afterEach(async () => {
    await f.close();
  });

  it('says where the store is and that this page cannot change it', async () => {
    const s = await f.client.call('settings.get', {});
    expect(s).toMatchObject({
      storeDir: f.store.dir,
      storeSource: 'flag',
      canChooseStore: false,
      canRevealStore: false,
      storeWarning: null,
      welcomeDismissed: false,
      hasRuns: false,
    });
    expect(s.defaultStoreDir).not.toBe(f.store.dir);
  });

  it('refuses to choose or reveal a store, saying how to choose one', async () => {
    const choose = await f.client.call('settings.chooseStore', {}).catch((e: ApiError) => e);
    expect(choose).toBeInstanceOf(ApiError);
    expect((choose as ApiError).code).toBe('conflict');
    expect((choose as ApiError).message).toContain(f.store.dir);
    expect((choose as ApiError).message).toMatch(/--store DIR.*LAYERLAB_HOME/);
    const reveal = await f.client.call('settings.revealStore', {}).catch((e: ApiError) => e);
    expect((reveal as ApiError).code).toBe('conflict');
  });

  it('never takes a path from the page', async () => {
    for (const params of [{ path: '/etc' }, { storeDir: '/tmp/x' }, { useDefault: 'yes' }]) {
      const r = (await f.raw(JSON.stringify({ id: 1, method: 'settings.chooseStore', params }))) as { ok: boolean; error: { code: string } };
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('invalid');
    }
    const r = (await f.raw(JSON.stringify({ id: 2, method: 'settings.update', params: { storeDir: '/etc' } }))) as { ok: boolean; error: { code: string } };
    expect(r.error.code).toBe('invalid');
  });

  it('keeps the welcome dismissed in the store folder, across reopening', async () => {
    const after = await f.client.call('settings.update', { welcomeDismissed: true });
    expect(after.welcomeDismissed).toBe(true);
    expect(JSON.parse(readFileSync(join(f.store.dir, WORKBENCH_FILE), 'utf8'))).toEqual({ welcomeDismissed: true });
    // Another API over the same folder (the next start) reads it back.
    const other = new LayerlabApi({ store: f.store, transport: 'memory' });
    expect(other.settings.get().welcomeDismissed).toBe(true);
    await other.close();
    expect((await f.client.call('settings.update', { welcomeDismissed: false })).welcomeDismissed).toBe(false);
    // {} changes nothing.
    expect((await f.client.call('settings.update', {})).welcomeDismissed).toBe(false);
  });

  it('reads a damaged workbench.json as no preferences, and replaces it on the next change', async () => {
    writeFileSync(join(f.store.dir, WORKBENCH_FILE), '{"welcomeDismissed": tru');
    expect((await f.client.call('settings.get', {})).welcomeDismissed).toBe(false);
    writeFileSync(join(f.store.dir, WORKBENCH_FILE), '{"welcomeDismissed": "yes"}');
    expect((await f.client.call('settings.get', {})).welcomeDismissed).toBe(false);
    expect((await f.client.call('settings.update', { welcomeDismissed: true })).welcomeDismissed).toBe(true);
  });

  it('knows whether the store has runs, deleted ones included', async () => {
    const id = f.store.createRun({ name: 'x', config: '{}' });
    expect((await f.client.call('settings.get', {})).hasRuns).toBe(true);
    f.store.softDelete(id);
    expect((await f.client.call('settings.get', {})).hasRuns).toBe(true);
  });

  it('names where a store folder came from', () => {
    const env = { HOME: '/home/me', XDG_DATA_HOME: '/home/me/.data' };
    expect(storeSourceOf('/home/me/.data/layerlab', env)).toBe('default');
    expect(storeSourceOf('/srv/runs', { ...env, LAYERLAB_HOME: '/srv/runs' })).toBe('env');
    expect(storeSourceOf('/srv/other', { ...env, LAYERLAB_HOME: '/srv/runs' })).toBe('flag');
  });
});

// ---- the desktop app ------------------------------------------------------------------


const APP_URL = 'file:///app/out/renderer/index.html';
const sender = { id: 1, send() {}, isDestroyed: () => false, once() {} };
const trusted = { sender, senderFrame: { url: APP_URL, parent: null } };

describe('settings in the desktop app', () => {
  let root: string;
  let ipc: FakeIpcMain;
  let bench: Workbench | null;
  let dialogAnswers: (string | null)[];
  let revealed: string[];
  let dialogStarts: string[];
  let id = 0;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'layerlab-settings-'));
    mkdirSync(join(root, 'userData'));
    ipc = new FakeIpcMain();
    bench = null;
    dialogAnswers = [];
    revealed = [];
    dialogStarts = [];
  });
  afterEach(async () => {
    await bench?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const settingsFile = () => join(root, 'userData', APP_SETTINGS_FILE);

  function open(env: NodeJS.ProcessEnv = {}) {
    bench = Workbench.open({
      ipcMain: ipc as never,
      ipc: { isTrustedUrl: (url) => url === APP_URL, saveFile: async () => null, openFile: async () => null },
      makeApi: (store, settings) => new LayerlabApi({ store, transport: 'ipc', settings }),
      settingsFile: settingsFile(),
      chooseFolder: async (current) => {
        dialogStarts.push(current);
        return dialogAnswers.shift() ?? null;
      },
      reveal: async (dir) => {
        revealed.push(dir);
      },
      env,
      defaultStoreDir: join(root, 'default'),
    });
    return bench;
  }

  /** A request through the IPC handler, as the preload sends it. */
  async function call(method: string, params: unknown = {}) {
    const text = (await ipc.handlers.get(CHANNELS.request)!(trusted, JSON.stringify({ id: ++id, method, params }))) as string;
    return JSON.parse(text) as { ok: boolean; result?: any; error?: { code: string; message: string } };
  }

  it('opens the default store at first, and says it can be changed and shown', async () => {
    open();
    const r = await call('settings.get');
    expect(r.result).toMatchObject({
      storeDir: join(root, 'default'),
      storeSource: 'default',
      defaultStoreDir: join(root, 'default'),
      canChooseStore: true,
      canRevealStore: true,
      storeWarning: null,
    });
    expect(existsSync(join(root, 'default', 'layerlab.db'))).toBe(true);
    expect((await call('settings.revealStore')).ok).toBe(true);
    expect(revealed).toEqual([join(root, 'default')]);
  });

  it('switches to the folder chosen in the dialog, keeps the choice, and frees the old store', async () => {
    open();
    const first = bench!.store.createRun({ name: 'in default', config: '{}' });
    const chosen = join(root, 'chosen');
    dialogAnswers.push(chosen);
    const r = await call('settings.chooseStore');
    expect(r.result).toEqual({ changed: true, storeDir: chosen });
    expect(dialogStarts).toEqual([join(root, 'default')]);
    await bench!.retired;
    // The IPC handlers now serve the new store, with its lock and no runs.
    const s = await call('settings.get');
    expect(s.result).toMatchObject({ storeDir: chosen, storeSource: 'chosen', hasRuns: false });
    expect(existsSync(join(chosen, 'layerlab.lock'))).toBe(true);
    expect(JSON.parse(readFileSync(settingsFile(), 'utf8'))).toEqual({ storeDir: chosen });
    // The old store was closed: its lock is gone and it can be opened again.
    expect(existsSync(join(root, 'default', 'layerlab.lock'))).toBe(false);
    const old = RunStore.open(join(root, 'default'), { readonly: true });
    expect(old.getRun(first).name).toBe('in default');
    old.close();

    // The next start opens the chosen store.
    await bench!.close();
    ipc = new FakeIpcMain();
    open();
    expect(bench!.store.dir).toBe(chosen);
    expect((await call('settings.get')).result.storeSource).toBe('chosen');

    // Back to the default: the choice is forgotten.
    const back = await call('settings.chooseStore', { useDefault: true });
    expect(back.result).toEqual({ changed: true, storeDir: join(root, 'default') });
    expect(readAppSettings(settingsFile()).settings).toEqual({});
    await bench!.retired;
    expect((await call('runs.get', { id: first })).result.name).toBe('in default');
  });

  it('changes nothing when the dialog is cancelled or the same folder is chosen', async () => {
    open();
    dialogAnswers.push(null);
    expect((await call('settings.chooseStore')).result).toEqual({ changed: false, storeDir: join(root, 'default') });
    dialogAnswers.push(join(root, 'default'));
    expect((await call('settings.chooseStore')).result).toEqual({ changed: false, storeDir: join(root, 'default') });
    expect(existsSync(settingsFile())).toBe(false);
  });

  it('refuses a folder of other files, and a store another process holds, staying where it was', async () => {
    open();
    const docs = join(root, 'Documents');
    mkdirSync(docs);
    writeFileSync(join(docs, 'thesis.tex'), '');
    dialogAnswers.push(docs);
    const r = await call('settings.chooseStore');
    expect(r.error).toMatchObject({ code: 'invalid' });
    expect(r.error!.message).toContain('holds other files and no Layerlab store');
    expect(existsSync(join(docs, 'layerlab.db'))).toBe(false);

    // Another live process (our parent) holds the lock of that store.
    const elsewhere = join(root, 'elsewhere');
    RunStore.open(elsewhere).close();
    const holder = { pid: process.ppid, token: processStartToken(process.ppid), hostname: hostname(), since: new Date().toISOString() };
    writeFileSync(join(elsewhere, LOCK_FILE), JSON.stringify(holder));
    dialogAnswers.push(elsewhere);
    const locked = await call('settings.chooseStore');
    expect(locked.ok).toBe(false);
    expect(locked.error!.message).toContain(`the store ${elsewhere} is in use by another Layerlab process (pid ${process.ppid})`);
    expect(readFileSync(join(elsewhere, LOCK_FILE), 'utf8')).toBe(JSON.stringify(holder));
    expect((await call('settings.get')).result.storeDir).toBe(join(root, 'default'));
    expect(existsSync(settingsFile())).toBe(false);
  });

  it('does not switch while a run is training', async () => {
    open();
    const started = await call('runs.start', { config: planarConfig({ iterations: 200_000 }) });
    dialogAnswers.push(join(root, 'chosen'));
    const r = await call('settings.chooseStore');
    expect(r.error).toMatchObject({ code: 'conflict' });
    expect(r.error!.message).toMatch(/1 run is training; wait for it or cancel it/);
    expect(dialogStarts).toEqual([]);
    await call('runs.cancel', { id: started.result.id });
    await bench!.api.trainer.wait(started.result.id);
  });

  it('follows LAYERLAB_HOME and does not offer to change it', async () => {
    open({ LAYERLAB_HOME: join(root, 'home') });
    const r = await call('settings.get');
    expect(r.result).toMatchObject({ storeDir: join(root, 'home'), storeSource: 'env', canChooseStore: false, canRevealStore: true });
    const c = await call('settings.chooseStore');
    expect(c.error!.message).toMatch(/LAYERLAB_HOME sets the store/);
  });

  it('falls back to the default store when the chosen one cannot be opened, and says why', async () => {
    writeFileSync(settingsFile(), JSON.stringify({ storeDir: join(root, 'gone'), other: 1 }));
    const holder = RunStore.open(join(root, 'gone'));
    try {
      open();
    } finally {
      holder.close();
    }
    const r = await call('settings.get');
    expect(r.result.storeDir).toBe(join(root, 'default'));
    expect(r.result.storeWarning).toMatch(new RegExp(`could not open the chosen store ${join(root, 'gone')}.*Using the default store`));
  });

  it('ignores a damaged or relative settings file, saying so', async () => {
    writeFileSync(settingsFile(), '{"storeDir": ');
    open();
    expect((await call('settings.get')).result.storeWarning).toMatch(/not valid JSON.*ignored/);
    await bench!.close();
    ipc = new FakeIpcMain();
    writeFileSync(settingsFile(), JSON.stringify({ storeDir: 'relative/runs' }));
    open();
    expect((await call('settings.get')).result.storeWarning).toMatch(/storeDir must be an absolute path; got 'relative\/runs'/);
    expect(bench!.store.dir).toBe(join(root, 'default'));
  });

  it('checks store folders: missing, empty and existing stores are fine', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(root, 'file'), '');
    expect(() => checkStoreFolder(join(root, 'missing'))).not.toThrow();
    expect(() => checkStoreFolder(empty)).not.toThrow();
    expect(() => checkStoreFolder(join(root, 'file'))).toThrow(/is a file, not a folder/);
  });
});
