/**
 * Trial hosts as Electron utility processes (utilityProcess.fork): what the desktop app
 * uses. This module does not import Electron: the app passes its `utilityProcess` in, and
 * only the few members below are used, so the sweep engine builds, runs and is tested
 * without Electron. The trial process (trial-process.ts, bundled to JavaScript by the app)
 * talks through `process.parentPort`.
 */
import { TextTail, type TrialHostFactory } from './trial-host';

/** The part of Electron's UtilityProcess used here. */
export interface UtilityChildLike {
  readonly pid: number | undefined;
  readonly stderr?: { on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown } | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

/** The part of Electron's `utilityProcess` module used here. */
export interface UtilityProcessLike {
  fork(
    modulePath: string,
    args?: string[],
    options?: { stdio?: 'pipe' | 'ignore' | 'inherit' | string[]; serviceName?: string; execArgv?: string[]; env?: Record<string, string | undefined> },
  ): UtilityChildLike;
}

export interface UtilityHostOptions {
  /** The trial process's JavaScript entry point (the app's bundle of trial-process.ts). */
  entry: string;
  execArgv?: string[];
  env?: Record<string, string | undefined>;
}

export function utilityHosts(utilityProcess: UtilityProcessLike, options: UtilityHostOptions): TrialHostFactory {
  return (events) => {
    const stderr = new TextTail();
    const child = utilityProcess.fork(options.entry, [], {
      stdio: ['ignore', 'ignore', 'pipe'],
      serviceName: 'Layerlab trial',
      execArgv: options.execArgv,
      env: options.env,
    });
    child.stderr?.on('data', (chunk) => stderr.push(chunk));
    let ended = false;
    child.on('message', (message) => {
      if (!ended) events.message(message);
    });
    child.on('exit', (code) => {
      if (ended) return;
      ended = true;
      // Electron reports a code only; a process killed by a signal shows as a code too.
      events.exit({ code, signal: null, stderr: stderr.toString() });
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (ended) return false;
        try {
          child.postMessage(message);
          return true;
        } catch {
          return false;
        }
      },
      kill() {
        if (!ended) child.kill();
      },
    };
  };
}
