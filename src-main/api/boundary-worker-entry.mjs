// Entry of the boundary worker threads when running from the TypeScript sources (the CLI,
// `layerlab ui`, tests): worker threads do not inherit the main thread's tsx loader, so
// register it here. The Electron build starts its bundled boundary-worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./boundary-worker.ts');
