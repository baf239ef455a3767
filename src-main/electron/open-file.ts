/**
 * Opening Layerlab's own files from the desktop: a run configuration (`.llrun`) or a sweep
 * specification (`.llsweep`), both JSON, which the installers register with the OS
 * (electron-builder.config.ts). The OS hands the file over on the command line on Windows
 * and Linux (at launch, or to the running instance through `second-instance`), and through
 * the `open-file` event on macOS, which can come before the app is ready; requests wait in
 * an OpenQueue until the window is there. The app then asks before it starts anything:
 * "Start the sweep in planar.llsweep: 7 trials?", and shows the run or sweep it started.
 *
 * One extension per type because Windows and macOS associate a file by its last extension
 * only (".layerlab-run.json" would claim every .json file). The files are the same JSON that
 * `layerlab train` and `layerlab sweep` read; relative paths in them are taken from the
 * file's folder, as there. Everything here is plain Node, tested in test/packaging/open-file.test.ts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserWindow, Dialog } from 'electron';
import type { RunConfig } from '../../src-core/config';
import { filePaths } from '../api/file-access';
import { readConfigFile, withAbsolutePaths } from '../runner/config-file';
import { readSweepFile } from '../sweep/spec-file';

export const OPEN_FILE_TYPES = { '.llrun': 'run', '.llsweep': 'sweep' } as const;

export type OpenKind = (typeof OPEN_FILE_TYPES)[keyof typeof OPEN_FILE_TYPES];

/** A file the app was asked to open: an absolute path and what it holds. */
export interface OpenRequest {
  kind: OpenKind;
  file: string;
}

/** What a file holds, by its extension (any case); null if it is not one of ours. */
export function kindOf(file: string): OpenKind | null {
  const ext = path.extname(file).toLowerCase();
  return Object.hasOwn(OPEN_FILE_TYPES, ext) ? OPEN_FILE_TYPES[ext as keyof typeof OPEN_FILE_TYPES] : null;
}

/** The request for one path or file:// URL, made absolute from `cwd`; null if it is not one of our files. */
export function requestFor(arg: string, cwd: string): OpenRequest | null {
  let file = arg;
  if (/^file:\/\//i.test(arg)) {
    try {
      file = fileURLToPath(arg);
    } catch {
      return null;
    }
  }
  const kind = kindOf(file);
  return kind ? { kind, file: path.resolve(cwd, file) } : null;
}

/**
 * The file a command line asks to open, or null. `argv[0]` is the executable; when Electron
 * runs an app folder (`electron .`, `process.defaultApp`), `argv[1]` is that folder.
 * Switches (Chromium's and ours, e.g. `--no-sandbox` from the AppImage launcher) are
 * skipped, and so is anything not ending in .llrun or .llsweep. Linux desktop files pass
 * file:// URLs (%U). If several files are given, the last one is opened.
 */
export function fileFromArgv(argv: readonly string[], options: { cwd: string; defaultApp: boolean }): OpenRequest | null {
  const args = argv.slice(options.defaultApp ? 2 : 1);
  let found: OpenRequest | null = null;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    found = requestFor(arg, options.cwd) ?? found;
  }
  return found;
}

/**
 * Requests that arrive before the app can handle them wait here; once `attach`ed, each is
 * handled in turn, one at a time (one dialog at a time), in the order they came.
 */
export class OpenQueue {
  private readonly waiting: OpenRequest[] = [];
  private handler: ((request: OpenRequest) => Promise<unknown>) | null = null;
  private running: Promise<void> = Promise.resolve();

  push(request: OpenRequest | null): void {
    if (!request) return;
    this.waiting.push(request);
    this.drain();
  }

  attach(handler: (request: OpenRequest) => Promise<unknown>): void {
    this.handler = handler;
    this.drain();
  }

  /** Resolves when every request pushed so far has been handled. */
  idle(): Promise<void> {
    return this.running;
  }

  private drain(): void {
    const handler = this.handler;
    if (!handler) return;
    while (this.waiting.length > 0) {
      const request = this.waiting.shift()!;
      this.running = this.running.then(() => handler(request)).then(
        () => undefined,
        () => undefined,
      );
    }
  }
}

/** What opening a file needs from the app: the API's pieces, and the window's dialogs and navigation. */
export interface OpenDeps {
  /** Allows the runs to read these data files (the user chose the file that names them). */
  grant(file: string): void;
  startRun(config: RunConfig): string;
  startSweep(spec: Record<string, unknown>): { id: string; trials: number };
  /** Asks the user; resolves true to go ahead. */
  confirm(question: { title: string; message: string; detail: string; action: string }): Promise<boolean>;
  showError(title: string, message: string): void;
  /** Shows a view: the hash route, e.g. "/run/ID". */
  show(route: string): void;
}

/** The outcome of opening a file, for tests and logs. */
export type OpenOutcome = { started: OpenKind; id: string } | { cancelled: true } | { error: string };

function dataFilesDetail(files: string[]): string {
  if (files.length === 0) return 'It reads no data files.';
  return `It reads ${files.length === 1 ? 'this data file' : 'these data files'}:\n${files.map((f) => `  ${f}`).join('\n')}`;
}

/**
 * Opens one file: reads and checks it (the same readers as the CLI, errors with line and
 * field), asks the user, then starts the run or sweep and shows it. Never throws: a bad
 * file ends in an error dialog that names the file and what is wrong with it.
 */
export async function openLayerlabFile(request: OpenRequest, deps: OpenDeps): Promise<OpenOutcome> {
  const name = path.basename(request.file);
  try {
    if (request.kind === 'run') {
      const loaded = await readConfigFile(request.file);
      const config = withAbsolutePaths(loaded.config, loaded.baseDir);
      const files = [...new Set(filePaths(config).map((p) => p.file))];
      const go = await deps.confirm({
        title: `Open ${name}`,
        message: `Start training the run in ${name}${config.name ? ` ("${config.name}")` : ''}?`,
        detail: dataFilesDetail(files),
        action: 'Start run',
      });
      if (!go) return { cancelled: true };
      for (const file of files) deps.grant(file);
      const id = deps.startRun(config);
      deps.show(`/run/${encodeURIComponent(id)}`);
      return { started: 'run', id };
    }
    const loaded = await readSweepFile(request.file);
    const trials = loaded.plan.trials.length;
    const files = [...new Set(loaded.plan.trials.flatMap((t) => filePaths(t.config).map((p) => p.file)))];
    const go = await deps.confirm({
      title: `Open ${name}`,
      message: `Start the sweep in ${name}: ${trials} trial${trials === 1 ? '' : 's'}?`,
      detail: dataFilesDetail(files),
      action: 'Start sweep',
    });
    if (!go) return { cancelled: true };
    for (const file of files) deps.grant(file);
    const { id } = deps.startSweep(loaded.stored);
    deps.show(`/sweep/${encodeURIComponent(id)}`);
    return { started: 'sweep', id };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.showError(`Cannot open ${name}`, message);
    return { error: message };
  }
}

/** What desktopOpenDeps uses of the running app: the current API (it changes when the user switches stores). */
export interface DesktopApi {
  files: { grant(file: string): void };
  trainer: { start(config: RunConfig): string };
  sweeps: { start(spec: Record<string, unknown>): { id: string; trials: number } };
}

/**
 * OpenDeps for the desktop app: Electron's message boxes on the window, the API's trainer
 * and sweeps, and the window's hash route (reloading the renderer at `#/run/ID`).
 */
export function desktopOpenDeps(
  win: BrowserWindow,
  dialog: Pick<Dialog, 'showMessageBox'>,
  api: () => DesktopApi,
  navigate: (route: string) => Promise<void>,
): OpenDeps {
  return {
    grant: (file) => api().files.grant(file),
    startRun: (config) => api().trainer.start(config),
    startSweep: (spec) => api().sweeps.start(spec),
    confirm: async ({ title, message, detail, action }) => {
      const answer = await dialog.showMessageBox(win, { type: 'question', title, message, detail, buttons: [action, 'Cancel'], defaultId: 0, cancelId: 1 });
      return answer.response === 0;
    },
    showError: (title, message) => void dialog.showMessageBox(win, { type: 'error', title, message: title, detail: message }),
    show: (route) => void navigate(route),
  };
}
