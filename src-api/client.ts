/**
 * The typed client the renderer uses: `api.call('runs.get', { id })` resolves to a
 * RunDetail, checked against its schema. It runs over any Transport: WebSocket in a
 * browser, the preload's bridge in Electron, or the handlers themselves in tests.
 */
import { API_METHODS, type MethodName, type Params, type Result } from './methods';
import { ApiError, EventsMessageSchema, ResponseSchema, type Request } from './messages';
import type { ApiEvent } from './schemas';

/** Carries requests and the raw messages that come back. */
export interface Transport {
  /** Sends one request; resolves with the raw response message (not yet checked). */
  request(message: Request): Promise<unknown>;
  /** Receives raw event messages ({ events: [...] }); returns an unsubscribe function. */
  subscribe(listener: (message: unknown) => void): () => void;
}

export type EventListener = (event: ApiEvent) => void;

export class ApiClient {
  private nextId = 1;
  private readonly listeners = new Set<EventListener>();

  /** `onBadEvent` hears of event messages that do not fit the schema (they are dropped). */
  constructor(
    private readonly transport: Transport,
    onBadEvent: (reason: string) => void = () => {},
  ) {
    transport.subscribe((message) => {
      const parsed = EventsMessageSchema.safeParse(message);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        onBadEvent(`ignored a malformed event message: ${issue.path.join('.')}: ${issue.message}`);
        return;
      }
      for (const event of parsed.data.events) for (const listener of this.listeners) listener(event);
    });
  }

  /** Calls a method; rejects with an ApiError (code, message, issues) when it fails. */
  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const id = this.nextId++;
    const raw = await this.transport.request({ id, method, params });
    const response = ResponseSchema.safeParse(raw);
    if (!response.success) throw new ApiError('malformed', `the answer to ${method} is not a response`);
    if (!response.data.ok) {
      const { code, message, issues } = response.data.error;
      throw new ApiError(code, message, issues);
    }
    const result = API_METHODS[method].result.safeParse(response.data.result);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ApiError('malformed', `the answer to ${method} does not fit its schema at ${issue.path.join('.') || 'the top'}: ${issue.message}`);
    }
    return result.data as Result<M>;
  }

  /** Listens to live events; returns an unsubscribe function. */
  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
