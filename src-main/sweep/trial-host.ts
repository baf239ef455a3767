/**
 * A trial host: one process that runs sweep trials, one at a time, for the driver. The
 * driver and its pool see only this interface; there is one implementation per runtime:
 * fork-host.ts (Node's child_process.fork: the CLI, tests, browser mode) and
 * utility-host.ts (Electron's utilityProcess.fork: the desktop app). Both start
 * trial-process.ts, which speaks the protocol of messages.ts.
 */
import type { ToTrial } from './messages';

/** How a host process ended. */
export interface TrialExit {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it ('SIGKILL'), or null. */
  signal: string | null;
  /** The last lines the process wrote to stderr (a fatal error's message), possibly ''. */
  stderr: string;
}

export interface TrialHostEvents {
  /** A message from the process, unchecked (the pool checks it). */
  message(value: unknown): void;
  /** The process has ended, for whatever reason; called once. */
  exit(info: TrialExit): void;
}

export interface TrialHost {
  /** The process id, once known. */
  readonly pid: number | undefined;
  /** Sends a message; false when the process is gone (its exit event follows). */
  send(message: ToTrial): boolean;
  /** Ends the process at once (SIGKILL or the platform's equivalent). */
  kill(): void;
}

/** Starts one host process; `events` receive its messages and its end. */
export type TrialHostFactory = (events: TrialHostEvents) => TrialHost;

/** The tail of a stream of text, for a crashed process's last words. */
export class TextTail {
  private text = '';
  constructor(private readonly max = 4000) {}
  push(chunk: string | Uint8Array): void {
    this.text += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    if (this.text.length > 2 * this.max) this.text = this.text.slice(-this.max);
  }
  toString(): string {
    return this.text.slice(-this.max);
  }
}

/** Why a trial's process ended, in words, from its exit. */
export function describeExit(exit: TrialExit): string {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const stderr = exit.stderr.trim();
  const oom = /heap out of memory|Reached heap limit|Allocation failed/i.test(stderr);
  const last = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(at |<--|\[\d+:0x|#\s|\d+: 0x|----- Native stack trace)/.test(l));
  const detail = oom ? last.find((l) => /out of memory|heap limit|Allocation failed/i.test(l)) : last[last.length - 1];
  const core = oom ? `the trial process ran out of memory and ${how}` : `the trial process ${how}`;
  return detail ? `${core}: ${detail.slice(0, 500)}` : core;
}
