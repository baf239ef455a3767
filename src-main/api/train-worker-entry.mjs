// Entry of the training worker thread when running from the TypeScript sources (the CLI,
// tests): worker threads do not inherit the main thread's tsx loader, so register it here.
import { register } from 'tsx/esm/api';

register();
await import('./train-worker.ts');
