/**
 * The Electron main process, kept thin: one window with a locked-down renderer, the
 * menu, save dialogs, the API over IPC, and sweep trials in utility processes. Everything behind it (the API, the store,
 * training) is the same code `layerlab ui` runs, tested in Node.
 *
 * Security: contextIsolation and sandbox on, nodeIntegration off, a strict CSP, navigation
 * and window.open blocked, every permission request denied, one instance at a time.
 */
import { BrowserWindow, Menu, app, dialog, ipcMain, session, shell, utilityProcess } from 'electron';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { LayerlabApi } from '../api/service';
import { CSP } from '../ui-server/static-files';
import { type UtilityProcessLike, utilityHosts } from '../sweep/utility-host';
import { APP_SETTINGS_FILE, Workbench } from './store-switch';
import { OpenQueue, desktopOpenDeps, fileFromArgv, openLayerlabFile, requestFor } from './open-file';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;
const devUrl = process.env.ELECTRON_RENDERER_URL;

// .llrun and .llsweep files the OS asks us to open wait here until the window is up (open-file.ts).
const opens = new OpenQueue();
const launchedWith = (argv: string[], cwd: string) => fileFromArgv(argv, { cwd, defaultApp: process.defaultApp === true });
app.on('open-file', (event, file) => {
  event.preventDefault();
  opens.push(requestFor(file, process.cwd()));
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  opens.push(launchedWith(process.argv, process.cwd()));
  app.on('second-instance', (_event, argv, workingDirectory) => {
    const win = BrowserWindow.getAllWindows()[0];
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    opens.push(launchedWith(argv, workingDirectory));
  });
  void app.whenReady().then(start);
}

function isTrustedUrl(url: string): boolean {
  if (devUrl && url.startsWith(devUrl)) return true;
  return url.split('#')[0] === rendererUrl;
}

async function start(): Promise<void> {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });

  // The store (the user's choice, else the default) and the API over it, served over IPC;
  // settings.chooseStore switches both (store-switch.ts).
  const bench = Workbench.open({
    ipcMain,
    settingsFile: join(app.getPath('userData'), APP_SETTINGS_FILE),
    makeApi: (store, settings) =>
      new LayerlabApi({
        store,
        transport: 'ipc',
        workerUrl: new URL('./train-worker.js', import.meta.url),
        boundaryWorkerUrl: new URL('./boundary-worker.js', import.meta.url),
        // Sweep trials run in Electron utility processes (the bundled trial-process.ts).
        // (Electron's ForkOptions types stdio more narrowly than the engine's structural type.)
        trialHosts: utilityHosts(utilityProcess as unknown as UtilityProcessLike, { entry: join(here, 'trial-process.js') }),
        baseDir: app.getPath('documents'),
        settings,
      }),
    chooseFolder: async (current) => {
      const win = BrowserWindow.getFocusedWindow();
      const options = {
        title: 'Choose a Layerlab store',
        buttonLabel: 'Use this folder',
        defaultPath: current,
        properties: ['openDirectory' as const, 'createDirectory' as const, 'promptToCreate' as const],
      };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    reveal: async (dir) => {
      const error = await shell.openPath(dir);
      if (error) throw new Error(`could not open ${dir}: ${error}`);
    },
    ipc: {
      isTrustedUrl,
      saveFile: async (sender, name, bytes) => {
        const win = BrowserWindow.fromWebContents(sender);
        const options = { defaultPath: name };
        const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
        if (result.canceled || !result.filePath) return null;
        await writeFile(result.filePath, bytes);
        return result.filePath;
      },
      openFile: async (sender) => {
        const win = BrowserWindow.fromWebContents(sender);
        const options = {
          properties: ['openFile' as const],
          filters: [{ name: 'Data', extensions: ['csv', 'npy', 'npz', 'h5', 'hdf5', 'mat'] }],
        };
        const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
    },
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isTrustedUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    // No new windows, ever: the workbench is one window and opens no links itself.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { role: 'viewMenu' },
      { role: 'windowMenu' },
    ]),
  );

  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    title: 'Layerlab',
    show: false,
    webPreferences: {
      // Reviewed for Electronegativity's PRELOAD_JS_CHECK: preload.ts exposes four functions
      // over contextBridge (request, onEvents, saveFile, openFile), passes strings only, never ipcRenderer.
      preload: join(here, '../preload/index.cjs'), // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click (auxclick) could open links without will-navigate.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  if (devUrl) await win.loadURL(devUrl);
  else await win.loadFile(rendererIndex);
  const navigate = (route: string) => (devUrl ? win.loadURL(`${devUrl}#${route}`) : win.loadFile(rendererIndex, { hash: route }));
  opens.attach((request) => openLayerlabFile(request, desktopOpenDeps(win, dialog, () => bench.api, navigate)));

  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    void bench.close();
  });
}
