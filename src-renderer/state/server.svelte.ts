/** What the Node side can do (export formats, sweeps), fetched once. */
import type { ServerInfo } from '../../src-api';
import { api } from '../lib/api';

export const server = $state<{ info: ServerInfo | null }>({ info: null });

let loading: Promise<void> | null = null;
export function loadServerInfo(): Promise<void> {
  loading ??= api.call('server.info', {}).then(
    (info) => {
      server.info = info;
    },
    () => {
      loading = null;
    },
  );
  return loading;
}
