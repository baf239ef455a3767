/**
 * Who owns a running run or the store's write lock: a process id plus a start token, so
 * that a pid reused by an unrelated process after a crash is not mistaken for the owner.
 *
 * On Linux the token is the boot id and the process's start time from /proc, which
 * together identify one process for the life of the machine. Elsewhere there is no cheap
 * way to read another process's start time, so the token is null and only the pid counts.
 */
import { readFileSync } from 'node:fs';

export interface Owner {
  pid: number;
  /** Identifies the process behind `pid`; null where the platform cannot tell. */
  token: string | null;
}

let bootId: string | null | undefined;

function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** The start token of process `pid`, or null if it cannot be read (no /proc, or no such process). */
export function processStartToken(pid: number): string | null {
  const boot = readBootId();
  if (boot === null) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Field 2 (the command name) is in parentheses and may hold spaces, so split after it.
  // The fields after it start at field 3; the start time is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[22 - 3];
  return startTime ? `${boot}:${startTime}` : null;
}

let self: Owner | undefined;

/** This process as an owner. */
export function currentOwner(): Owner {
  self ??= { pid: process.pid, token: processStartToken(process.pid) };
  return self;
}

/**
 * Whether the process that recorded `owner` still runs. A pid that exists but now
 * belongs to a process with another start token counts as gone.
 */
export function isOwnerAlive(owner: Owner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as { code?: string }).code !== 'EPERM') return false;
  }
  if (owner.token === null) return true;
  const now = processStartToken(owner.pid);
  return now === null || now === owner.token;
}
