/**
 * Results that are already JSON text. A long runs listing is made as JSON by SQLite (the
 * store's listRunTableJson); turning it into objects only for the transport to serialize
 * them again would cost more than everything else the request does. A handler returns such
 * text wrapped in RawJson, and the transports write responses with `responseText`, which
 * splices it in as it is. Anything else that serializes a response (JSON.stringify, in
 * tests) still gets the same JSON through `toJSON`.
 */
import type { Response } from '../../src-api/messages';

export class RawJson<T = unknown> {
  /** @param text JSON text of a value of type T. */
  constructor(readonly text: string) {}

  /** The value, for JSON.stringify (slow: only for callers that do not use responseText). */
  toJSON(): T {
    return JSON.parse(this.text) as T;
  }
}

/** A response as the JSON text a transport sends. */
export function responseText(response: Response): string {
  if (response.ok && response.result instanceof RawJson) {
    return `{"id":${JSON.stringify(response.id)},"ok":true,"result":${response.result.text}}`;
  }
  return JSON.stringify(response);
}
