/**
 * Import rules between Layerlab's layers (see README "Layout"):
 *   src-core  ← src-api ← src-renderer        (the renderer sees only src-api)
 *   src-core, src-api ← src-main               (Node: store, CLI, API, transports, Electron)
 * src-core is pure: it runs in workers, utility processes and browsers, so it may
 * import neither Node built-ins, Electron, nor anything of ours outside src-core.
 * (Use of DOM or Node *globals* is caught by src-core/tsconfig.json, which has
 * neither library's types.)
 */
module.exports = {
  forbidden: [
    {
      name: 'core-no-node-builtins',
      severity: 'error',
      comment: 'src-core must not import Node built-ins; inject file access instead.',
      from: { path: '^src-core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-no-electron-or-dom-libs',
      severity: 'error',
      comment: 'src-core must not import Electron or browser-only packages.',
      from: { path: '^src-core/' },
      to: { path: '(^|/)node_modules/(electron|@electron|jsdom|svelte|chart\\.js|better-sqlite3|onnxruntime-node)(/|$)' },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'src-core imports nothing of ours outside src-core.',
      from: { path: '^src-core/' },
      to: { path: '^(src-main|src-renderer|test|scripts|bin)/' },
    },
    {
      name: 'api-no-node-or-dom',
      severity: 'error',
      comment: 'src-api is shared by the renderer and Node: no Node built-ins, Electron or browser libraries.',
      from: { path: '^src-api/' },
      to: {
        dependencyTypes: ['core'],
      },
    },
    {
      name: 'api-no-platform-packages',
      severity: 'error',
      comment: 'src-api may use zod and src-core, never Electron, Svelte, Chart.js, ws or native modules.',
      from: { path: '^src-api/' },
      to: { path: '(^|/)node_modules/(electron|@electron|svelte|chart\\.js|ws|better-sqlite3|onnxruntime-node)(/|$)' },
    },
    {
      name: 'api-imports-only-core',
      severity: 'error',
      comment: 'src-api imports only src-core (the run-config schema) of ours.',
      from: { path: '^src-api/' },
      to: { path: '^(src-main|src-renderer|test|scripts|bin)/' },
    },
    {
      name: 'renderer-imports-only-api',
      severity: 'error',
      comment: 'The renderer talks to the Node side only through src-api; it never imports src-core or src-main.',
      from: { path: '^src-renderer/' },
      to: { path: '^(src-core|src-main|test|scripts|bin)/' },
    },
    {
      name: 'renderer-no-node',
      severity: 'error',
      comment: 'The renderer runs sandboxed in a browser: no Node built-ins, no Electron.',
      from: { path: '^src-renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-no-electron',
      severity: 'error',
      comment: 'The renderer reaches Electron only through the preload bridge (window.layerlab).',
      from: { path: '^src-renderer/' },
      to: { path: '(^|/)node_modules/(electron|@electron|ws|better-sqlite3|onnxruntime-node)(/|$)' },
    },
    {
      name: 'nothing-imports-renderer',
      severity: 'error',
      comment: 'The renderer is a leaf: nothing imports it.',
      from: { pathNot: '^src-renderer/' },
      to: { path: '^src-renderer/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mjs', '.js', '.svelte', '.json'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
