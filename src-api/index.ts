/**
 * src-api: the one typed API between the renderer and the Node side. Pure TypeScript:
 * zod schemas and the types inferred from them, the message envelope, a typed client
 * over any transport, and base64 helpers for binary arrays. It may import src-core's
 * pure modules (the run-config schema) and zod; nothing of Node, the DOM or Electron.
 * See docs/ui.md.
 */
export * from './schemas';
export * from './methods';
export * from './messages';
export * from './client';
export * from './binary';
export * from './run-columns';
export * from './config';
export * from './settings';
export * from './resources';
