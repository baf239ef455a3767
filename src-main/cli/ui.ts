/**
 * `layerlab ui [--store DIR] [--port N]`: the workbench in a browser. Serves the built
 * renderer and the API on 127.0.0.1 with a random access token, and prints the address
 * to open. Runs until Ctrl-C; while it runs it is the store's writer (see docs/ui.md).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LayerlabApi } from '../api/service';
import { RunStore, resolveStoreDir } from '../store';
import { startUiServer } from '../ui-server/server';
import { CliError, type Command } from './command';

const USAGE = 'usage: layerlab ui [--store DIR] [--port N]';

/** Where `npm run build` puts the renderer. */
export const RENDERER_DIR = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export const command: Command = {
  summary: 'open the workbench in a browser (serves it on 127.0.0.1 with an access token)',
  async run(args) {
    const { values } = parseCli(args);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number from 0 to 65535; got '${values.port}'`, 2);
    const rendererDir = process.env.LAYERLAB_RENDERER_DIR ?? RENDERER_DIR;
    if (!existsSync(`${rendererDir}/index.html`)) {
      throw new CliError(`the UI is not built yet (no ${rendererDir}/index.html): run 'npm run build' in the Layerlab checkout, then 'layerlab ui' again`, 1);
    }
    const store = RunStore.open(resolveStoreDir({ flag: values.store }));
    const api = new LayerlabApi({ store, transport: 'websocket' });
    let server;
    try {
      server = await startUiServer({ api, rendererDir, port });
    } catch (error) {
      await api.close();
      store.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CliError(`port ${port} is in use; choose another with --port, or leave it out to pick a free one`);
      throw error;
    }
    console.log(`Layerlab is running at ${server.url}`);
    console.log(`  store: ${store.dir}`);
    if (server.firstViewProblem) console.log(`  note: the runs view is rendered in the browser only (${server.firstViewProblem})`);
    console.log('  Ctrl-C to stop');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    await api.close();
    store.close();
    return 0;
  },
};

function parseCli(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        store: { type: 'string' },
        port: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}
