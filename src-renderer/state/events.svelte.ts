/**
 * Live events from the Node side, fanned out to the state modules. One listener on the
 * API client; views subscribe to what they show.
 */
import type { ApiEvent } from '../../src-api';
import { api } from '../lib/api';

type Listener = (event: ApiEvent) => void;
const listeners = new Set<Listener>();

api.on((event) => {
  for (const l of listeners) l(event);
});

export function onEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
