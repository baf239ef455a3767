/**
 * The one API client of the renderer, over whichever transport this page has. It does what
 * src-api's ApiClient does (typed calls, every message checked on arrival) but starts
 * light: events and the results the open views need most are checked with light shapes
 * (lib/messages.ts), the rest with src-api's zod schemas, loaded on first use and early
 * when the page is idle. So the runs view's first code holds no zod.
 */
import type { ApiEvent, MethodName, Params, Result, Transport } from '../../src-api';
import { connection } from '../state/connection.svelte';
import { EventsMessage, LIGHT_RESULTS, Response } from './messages';
import { describeIssue } from './shape';
import { PRELOAD_ELEMENT } from '../../src-api/run-columns';
import { onServer } from './first-view';
import { WebSocketTransport, bridge, ipcTransport } from './transport';

/** A failed call: the server's error code and message (and a config's issues), or 'malformed'. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

type FullCheck = typeof import('./full-check');
let full: Promise<FullCheck> | null = null;
/** The zod checks, loaded once. */
function fullCheck(): Promise<FullCheck> {
  return (full ??= import('./full-check'));
}

export class RendererClient {
  private nextId = 1;
  private readonly listeners = new Set<(event: ApiEvent) => void>();

  constructor(
    private readonly transport: Transport,
    private readonly onBadEvent: (reason: string) => void = () => {},
  ) {
    transport.subscribe((message) => {
      const issue = EventsMessage.check(message);
      if (issue) {
        this.onBadEvent(`ignored a malformed event message: ${describeIssue(issue)}`);
        return;
      }
      for (const event of (message as { events: ApiEvent[] }).events) for (const listener of this.listeners) listener(event);
    });
  }

  /** Calls a method; rejects with an ApiError (code, message, issues) when it fails. */
  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const id = this.nextId++;
    const raw = await this.transport.request({ id, method, params });
    if (Response.check(raw)) throw new ApiError('malformed', `the answer to ${method} is not a response`);
    const response = raw as { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; issues?: { path: string; message: string }[] } };
    if (!response.ok) throw new ApiError(response.error.code, response.error.message, response.error.issues);
    const light = LIGHT_RESULTS[method];
    if (light) {
      const issue = light.check(response.result);
      if (issue) throw new ApiError('malformed', `the answer to ${method} does not fit its schema at ${describeIssue(issue)}`);
      return response.result as Result<M>;
    }
    const checked = (await fullCheck()).checkResult(method, response.result);
    if (!checked.ok) throw new ApiError('malformed', `the answer to ${method} does not fit its schema at ${checked.reason}`);
    return checked.value as Result<M>;
  }

  /** Listens to live events; returns an unsubscribe function. */
  on(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * On the server that renders the page's first view (src-renderer/first-view.ts) nothing is
 * asked: rendering runs no effects, and the page's own client takes over in the browser.
 */
const noTransport: Transport = {
  request: () => Promise.reject(new Error('no API while the first view is rendered on the server')),
  subscribe: () => () => {},
};

function makeClient(): RendererClient {
  if (onServer) return new RendererClient(noTransport);
  const b = bridge();
  if (b) {
    connection.state = 'open';
    return new RendererClient(ipcTransport(b), (reason) => console.warn(reason));
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // With the runs view's first page in the HTML (lib/preload.ts) nothing needs the socket
  // before the first rows are drawn: it is opened at the start of the frame after theirs
  // (or after 1 s, for a tab opened in the background, which draws no frames), so that
  // its setup and the next pages of runs do not compete with the first paint.
  const firstRunsInPage = document.getElementById(PRELOAD_ELEMENT) !== null;
  const afterFirstFrame = (connect: () => void) => {
    let done = false;
    const once = () => {
      if (!done) connect();
      done = true;
    };
    requestAnimationFrame(() => requestAnimationFrame(once));
    setTimeout(once, 1000);
  };
  const transport = new WebSocketTransport(`${scheme}://${location.host}/api`, (state) => (connection.state = state), firstRunsInPage ? afterFirstFrame : undefined);
  return new RendererClient(transport, (reason) => console.warn(reason));
}

export const api = makeClient();

// The zod checks load while the page is idle, before a view needs them.
if (typeof requestIdleCallback === 'function') requestIdleCallback(() => void fullCheck(), { timeout: 3000 });
