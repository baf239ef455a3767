/** The one API client of the renderer, over whichever transport this page has. */
import { ApiClient } from '../../src-api';
import { WebSocketTransport, bridge, ipcTransport } from './transport';
import { connection } from '../state/connection.svelte';

function makeClient(): ApiClient {
  const b = bridge();
  if (b) {
    connection.state = 'open';
    return new ApiClient(ipcTransport(b), (reason) => console.warn(reason));
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const transport = new WebSocketTransport(`${scheme}://${location.host}/api`, (state) => (connection.state = state));
  return new ApiClient(transport, (reason) => console.warn(reason));
}

export const api = makeClient();
