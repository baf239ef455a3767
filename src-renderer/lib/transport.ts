/**
 * How the renderer reaches the Node side: the preload's bridge in Electron
 * (window.layerlab), otherwise a WebSocket to the `layerlab ui` server that served this
 * page (its HttpOnly cookie carries the token). Both give src-api's Transport.
 */
import type { Request, Transport } from '../../src-api';
import { measure } from './perf';

/** What the Electron preload exposes with contextBridge (see src-main/electron/preload.ts). */
export interface LayerlabBridge {
  request(text: string): Promise<string>;
  onEvents(listener: (text: string) => void): () => void;
  saveFile(name: string, base64: string): Promise<{ saved: boolean; path?: string }>;
  openFile(): Promise<string | null>;
}

declare global {
  interface Window {
    layerlab?: LayerlabBridge;
  }
}

export function bridge(): LayerlabBridge | undefined {
  return window.layerlab;
}

export function ipcTransport(b: LayerlabBridge): Transport {
  return {
    request: async (message) => JSON.parse(await b.request(JSON.stringify(message))) as unknown,
    subscribe: (listener) => b.onEvents((text) => listener(JSON.parse(text))),
  };
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** A WebSocket transport that reconnects (with backoff) and reports its state. */
export class WebSocketTransport implements Transport {
  private socket: WebSocket | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(message: unknown) => void>();
  private readonly queue: string[] = [];
  private retry = 0;

  /**
   * `connectWhen` is handed the first connect, to call now (the default) or later; requests
   * made before the socket opens wait in the queue.
   */
  constructor(
    private readonly url: string,
    private readonly onState: (state: 'open' | 'closed') => void = () => {},
    connectWhen: (connect: () => void) => void = (connect) => connect(),
  ) {
    connectWhen(() => this.connect());
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      // For the benchmark: when the first connection opened, counted from navigation start.
      if (performance.getEntriesByName('layerlab:ws-open').length === 0) measure('ws-open', 0, {});
      this.retry = 0;
      this.onState('open');
      for (const text of this.queue.splice(0)) socket.send(text);
    };
    socket.onmessage = (event) => {
      let message: { id?: number; events?: unknown };
      const started = performance.now();
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (String(event.data).length > 100_000) measure('ws-parse', started, { bytes: String(event.data).length });
      if (message.events !== undefined) {
        for (const listener of this.listeners) listener(message);
      } else if (typeof message.id === 'number') {
        this.pending.get(message.id)?.resolve(message);
        this.pending.delete(message.id);
      }
    };
    socket.onclose = () => {
      this.onState('closed');
      for (const p of this.pending.values()) p.reject(new Error('the connection to Layerlab closed'));
      this.pending.clear();
      const delay = Math.min(5000, 250 * 2 ** this.retry++);
      setTimeout(() => this.connect(), delay);
    };
  }

  request(message: Request): Promise<unknown> {
    const text = JSON.stringify(message);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(text);
      else this.queue.push(text);
    });
  }

  subscribe(listener: (message: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
