// A boundary worker that dies on purpose, for the pool's tests (boundary-pool.test.ts):
// on a request for the key 'crash-always' it exits; on 'crash-once' it exits only if the
// file named by LAYERLAB_TEST_CRASH_MARKER does not exist yet (and creates it); on
// 'hang-always' it spins forever, answering nothing, until it is terminated. Any other
// request goes to the real worker (src-main/api/boundary-worker.ts), whose message
// listener is wrapped so that the check runs first.
import { existsSync, writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

function maybeCrash(message) {
  if (message?.key === 'crash-always') process.exit(7);
  if (message?.key === 'hang-always') for (;;);
  const marker = process.env.LAYERLAB_TEST_CRASH_MARKER;
  if (message?.key === 'crash-once' && marker && !existsSync(marker)) {
    writeFileSync(marker, 'crashed');
    process.exit(9);
  }
}

const on = parentPort.on.bind(parentPort);
parentPort.on = (event, listener) =>
  on(event, event === 'message' ? (message) => (maybeCrash(message), listener(message)) : listener);
register();
await import('../../src-main/api/boundary-worker.ts');
