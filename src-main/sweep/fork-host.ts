/**
 * Trial hosts as Node child processes (child_process.fork): for the CLI, the tests and
 * browser mode. Each runs trial-process.ts through tsx, so a checkout needs no build.
 * Messages use the 'advanced' (structured clone) serialization, like Electron's.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TextTail, type TrialHostFactory } from './trial-host';

export interface ForkHostOptions {
  /** The entry point; default trial-process.ts next to this file. */
  entry?: string;
  /** Node flags of the child; default `--import tsx` (to run TypeScript). */
  execArgv?: string[];
  /** V8's heap limit in MB (--max-old-space-size); past it the trial fails as out of memory. */
  memoryLimitMb?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export const TRIAL_PROCESS_ENTRY = fileURLToPath(new URL('./trial-process.ts', import.meta.url));

export function forkHosts(options: ForkHostOptions = {}): TrialHostFactory {
  const execArgv = [...(options.execArgv ?? ['--import', 'tsx'])];
  if (options.memoryLimitMb !== undefined) execArgv.push(`--max-old-space-size=${options.memoryLimitMb}`);
  return (events) => {
    const stderr = new TextTail();
    const child = fork(options.entry ?? TRIAL_PROCESS_ENTRY, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    let ended = false;
    const end = (code: number | null, signal: string | null, extra = '') => {
      if (ended) return;
      ended = true;
      events.exit({ code, signal, stderr: `${stderr}${extra}` });
    };
    child.on('message', (message) => events.message(message));
    // 'close' comes after stderr is drained, so its last words are in.
    child.on('close', (code, signal) => end(code, signal));
    child.on('error', (error) => {
      // Failed to start, or to send: the process is unusable.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (child.pid === undefined) end(null, null, `\n${error.message}`);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (ended || !child.connected) return false;
        try {
          return child.send(message, (error) => {
            if (error) child.kill('SIGKILL');
          });
        } catch {
          return false;
        }
      },
      kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  };
}
