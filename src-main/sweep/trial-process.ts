/**
 * The entry point of a trial process, started by fork-host.ts (Node) or utility-host.ts
 * (Electron, bundled): connects trial-service.ts to the parent, through Electron's
 * `process.parentPort` in a utility process, else Node's IPC channel (`process.send`),
 * and exits when the parent goes away.
 */
// First, before any module builds a zod schema (see trial-setup.ts).
import './trial-setup';
import { type TrialChannel, serveTrials } from './trial-service';

/** Electron's MessagePortMain, as far as used here. */
interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function connect(): TrialChannel {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return {
      send: (message) => parentPort.postMessage(message),
      onMessage: (listener) => parentPort.on('message', (event) => listener(event.data)),
    };
  }
  if (!process.send) {
    console.error('trial-process: start me with child_process.fork or utilityProcess.fork');
    process.exit(2);
  }
  // The driver is gone (killed, crashed): nothing is left to report to.
  process.on('disconnect', () => process.exit(0));
  return {
    send: (message) => {
      process.send!(message);
    },
    onMessage: (listener) => process.on('message', listener),
  };
}

serveTrials(connect(), { pid: process.pid, exit: () => process.exit(0) });
