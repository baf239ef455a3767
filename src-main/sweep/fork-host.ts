/**
 * Trial hosts as Node child processes (child_process.fork): for the CLI, the tests and
 * browser mode. Each runs the trial process as a cached JavaScript bundle (trial-bundle.ts),
 * or trial-process.ts through tsx where it cannot be bundled, so a checkout needs no build.
 * Messages use the 'advanced' (structured clone) serialization, like Electron's.
 */
import { fork } from 'node:child_process';
import { TSX_PROGRAM, type TrialProgram, trialProgram } from './trial-bundle';
import { TextTail, type TrialHostFactory } from './trial-host';

export interface ForkHostOptions {
  /** The entry point; default the bundled trial process (trial-bundle.ts). */
  entry?: string;
  /** Node flags of the child; default none for the bundle, `--import tsx` for a given entry. */
  execArgv?: string[];
  /** V8's heap limit in MB (--max-old-space-size); past it the trial fails as out of memory. */
  memoryLimitMb?: number;
  /** More node or V8 flags, after the program's own (e.g. --experimental-wasm-relaxed-simd). */
  nodeFlags?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** trial-process.ts, which a given `entry` usually is (run through tsx). */
export const TRIAL_PROCESS_ENTRY = TSX_PROGRAM.entry;

export function forkHosts(options: ForkHostOptions = {}): TrialHostFactory {
  const given = options.entry !== undefined || options.execArgv !== undefined;
  // Found (or built) when the first process starts, not before: a sweep that never starts
  // one (a dry run, a resumed sweep with nothing left) pays nothing.
  let program: TrialProgram | null = given ? { entry: options.entry ?? TSX_PROGRAM.entry, execArgv: options.execArgv ?? TSX_PROGRAM.execArgv } : null;
  return (events) => {
    program ??= trialProgram();
    const execArgv = [...program.execArgv];
    if (options.memoryLimitMb !== undefined) execArgv.push(`--max-old-space-size=${options.memoryLimitMb}`);
    if (options.nodeFlags) execArgv.push(...options.nodeFlags);
    const stderr = new TextTail();
    const child = fork(program.entry, [], {
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
